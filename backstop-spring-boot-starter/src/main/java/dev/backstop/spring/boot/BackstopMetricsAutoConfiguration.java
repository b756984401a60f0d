package dev.backstop.spring.boot;

import dev.backstop.Backstop;
import dev.backstop.micrometer.BackstopMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.context.annotation.Bean;

/**
 * Publishes the application's {@link Backstop} to Micrometer when a {@link MeterRegistry} is
 * present: a {@link BackstopMetrics} bean, set as the auto-configured Backstop's listener by a
 * {@link BackstopBuilderCustomizer}, and the {@link MeterBinder} of {@link
 * BackstopMetrics#monitor}, which Boot binds to its registries. {@code
 * backstop.metrics.enabled=false} turns it off.
 *
 * <p>An application that defines its own {@code Backstop} bean gives it the {@code
 * BackstopMetrics} bean as listener itself ({@code Backstop.builder().listener(metrics)}); the
 * binder is registered either way.
 */
@AutoConfiguration(
    after = BackstopAutoConfiguration.class,
    afterName = {
      "org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration",
      "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
      "org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration"
    })
@ConditionalOnClass({MeterRegistry.class, BackstopMetrics.class})
@ConditionalOnBooleanProperty(
    name = {"backstop.enabled", "backstop.metrics.enabled"},
    matchIfMissing = true)
@ConditionalOnBean(MeterRegistry.class)
public final class BackstopMetricsAutoConfiguration {

  @Bean
  @ConditionalOnMissingBean
  BackstopMetrics backstopMetrics() {
    return BackstopMetrics.create();
  }

  @Bean
  BackstopBuilderCustomizer backstopMetricsListener(BackstopMetrics metrics) {
    return builder -> builder.listener(metrics);
  }

  @Bean
  @ConditionalOnSingleCandidate(Backstop.class)
  MeterBinder backstopMeterBinder(BackstopMetrics metrics, Backstop backstop) {
    return metrics.monitor(backstop);
  }
}
