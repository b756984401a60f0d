package dev.backstop.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backstop.Backstop;
import dev.backstop.micrometer.BackstopMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Micrometer wiring when a MeterRegistry is present, and not otherwise. */
class MetricsAutoConfigurationTest {

  private final ApplicationContextRunner runner =
      new ApplicationContextRunner()
          .withConfiguration(
              AutoConfigurations.of(
                  BackstopAutoConfiguration.class,
                  BackstopMetricsAutoConfiguration.class,
                  MetricsAutoConfiguration.class,
                  CompositeMeterRegistryAutoConfiguration.class,
                  SimpleMetricsExportAutoConfiguration.class));

  @Test
  void theBackstopReportsToTheRegistry() {
    runner.run(
        context -> {
          assertThat(context).hasSingleBean(BackstopMetrics.class);
          Backstop backstop = context.getBean(Backstop.class);
          backstop.call("users", () -> "ok");
          backstop.call("users", () -> "ok");
          MeterRegistry registry = context.getBean(MeterRegistry.class);
          assertThat(
                  registry
                      .get(BackstopMetrics.CALLS)
                      .tag("operation", "users")
                      .tag("outcome", "success")
                      .functionCounter()
                      .count())
              .isEqualTo(2);
          assertThat(registry.get(BackstopMetrics.OPERATIONS).gauge().value()).isEqualTo(1);
        });
  }

  @Test
  void withoutARegistryThereAreNoMetrics() {
    new ApplicationContextRunner()
        .withConfiguration(
            AutoConfigurations.of(
                BackstopAutoConfiguration.class, BackstopMetricsAutoConfiguration.class))
        .run(
            context -> {
              assertThat(context).hasSingleBean(Backstop.class);
              assertThat(context).doesNotHaveBean(BackstopMetrics.class);
              assertThat(context).doesNotHaveBean(MeterBinder.class);
            });
  }

  @Test
  void withoutMicrometerThereAreNoMetrics() {
    new ApplicationContextRunner()
        .withConfiguration(
            AutoConfigurations.of(
                BackstopAutoConfiguration.class, BackstopMetricsAutoConfiguration.class))
        .withClassLoader(new FilteredClassLoader("io.micrometer"))
        .run(
            context -> {
              assertThat(context).hasNotFailed().hasSingleBean(Backstop.class);
              assertThat(context).doesNotHaveBean(BackstopMetrics.class);
            });
  }

  @Test
  void metricsCanBeTurnedOff() {
    runner
        .withPropertyValues("backstop.metrics.enabled=false")
        .run(
            context -> {
              assertThat(context).hasSingleBean(Backstop.class);
              assertThat(context).doesNotHaveBean(BackstopMetrics.class);
              context.getBean(Backstop.class).call("users", () -> "ok");
              assertThat(context.getBean(MeterRegistry.class).find(BackstopMetrics.CALLS).meters())
                  .isEmpty();
            });
  }

  @Test
  void theApplicationsBackstopIsMonitoredAndReportsWhenItSaysSo() {
    runner
        .withUserConfiguration(OwnBackstopWithMetrics.class)
        .run(
            context -> {
              Backstop backstop = context.getBean(Backstop.class);
              backstop.call("users", () -> "ok");
              assertThat(
                      context
                          .getBean(MeterRegistry.class)
                          .get(BackstopMetrics.CALLS)
                          .tag("outcome", "success")
                          .functionCounter()
                          .count())
                  .isEqualTo(1);
            });
  }

  @Configuration(proxyBeanMethods = false)
  static class OwnBackstopWithMetrics {
    @Bean
    Backstop myBackstop(BackstopMetrics metrics) {
      return Backstop.builder().listener(metrics).build();
    }
  }
}
