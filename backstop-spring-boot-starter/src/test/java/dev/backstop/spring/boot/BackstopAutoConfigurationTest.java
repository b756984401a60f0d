package dev.backstop.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backstop.Backstop;
import dev.backstop.CircuitBreaker;
import dev.backstop.SreBreaker;
import dev.backstop.testing.FakeTicker;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.NestedExceptionUtils;

/** The Backstop bean, its properties, and what makes it appear or not. */
class BackstopAutoConfigurationTest {

  private final ApplicationContextRunner runner =
      new ApplicationContextRunner()
          .withConfiguration(AutoConfigurations.of(BackstopAutoConfiguration.class));

  @Test
  void noPropertiesGiveTheBuildersDefaults() {
    runner.run(
        context -> {
          assertThat(context).hasSingleBean(Backstop.class).hasSingleBean(BackstopProperties.class);
          assertThat(settings(context, "users"))
              .isEqualTo(SreBreaker.builder().build().settings());
          BackstopProperties properties = context.getBean(BackstopProperties.class);
          assertThat(properties.enabled()).isTrue();
          assertThat(properties.defaults())
              .isEqualTo(new BackstopProperties.Breaker(null, null, null, null, null, null, null, null));
          assertThat(properties.operations()).isEmpty();
          assertThat(properties.restClient().enabled()).isTrue();
          assertThat(properties.restTemplate().enabled()).isTrue();
          assertThat(properties.webClient().enabled()).isTrue();
          assertThat(properties.grpc().enabled()).isTrue();
          assertThat(properties.metrics().enabled()).isTrue();
          assertThat(properties.health().enabled()).isFalse();
          assertThat(properties.health().rejectingStatus()).isEqualTo("UP");
        });
  }

  @Test
  void everyOptionIsBoundAndPassedToTheBuilder() {
    runner
        .withPropertyValues(
            "backstop.success=0.5",
            "backstop.request=20",
            "backstop.window=5s",
            "backstop.bucket=5",
            "backstop.recent=2",
            "backstop.probe=250ms",
            "backstop.forgive=false")
        .run(
            context ->
                assertThat(settings(context, "any"))
                    .isEqualTo(
                        new SreBreaker.Settings(
                            0.5, 20, Duration.ofSeconds(5), 5, 2, Duration.ofMillis(250), false)));
  }

  @Test
  void anOperationsOptionsOverrideTheDefaultsOneByOne() {
    runner
        .withPropertyValues(
            "backstop.success=0.5",
            "backstop.window=5s",
            "backstop.operations[test.Echo/Unary].success=0.9",
            "backstop.operations[test.Echo/Unary].request=7",
            "backstop.operations.users.original=true")
        .run(
            context -> {
              SreBreaker.Settings defaults = SreBreaker.builder().build().settings();
              assertThat(settings(context, "test.Echo/Unary"))
                  .isEqualTo(
                      new SreBreaker.Settings(
                          0.9,
                          7,
                          Duration.ofSeconds(5),
                          defaults.bucket(),
                          defaults.recent(),
                          defaults.probe(),
                          defaults.forgive()));
              SreBreaker.Settings original = SreBreaker.original().build().settings();
              assertThat(settings(context, "users"))
                  .isEqualTo(
                      new SreBreaker.Settings(
                          0.5,
                          original.request(),
                          Duration.ofSeconds(5),
                          original.bucket(),
                          original.recent(),
                          original.probe(),
                          original.forgive()));
              assertThat(settings(context, "other"))
                  .isEqualTo(
                      new SreBreaker.Settings(
                          0.5,
                          defaults.request(),
                          Duration.ofSeconds(5),
                          defaults.bucket(),
                          defaults.recent(),
                          defaults.probe(),
                          defaults.forgive()));
            });
  }

  @Test
  void originalUnderBackstopAppliesToEveryOperation() {
    runner
        .withPropertyValues("backstop.original=true", "backstop.operations.users.original=false")
        .run(
            context -> {
              assertThat(settings(context, "any"))
                  .isEqualTo(SreBreaker.original().build().settings());
              assertThat(settings(context, "users"))
                  .isEqualTo(SreBreaker.builder().build().settings());
            });
  }

  @Test
  void badValuesFailStartupNamingTheProperty() {
    assertFails("backstop.success=1.5", "backstop.success must be in [0.01, 1], was 1.5");
    assertFails("backstop.request=-1", "backstop.request must be >= 0, was -1");
    assertFails("backstop.window=-1s", "backstop.window must be > 0, was PT-1S");
    assertFails("backstop.bucket=0", "backstop.bucket must be in [1, 1000], was 0");
    assertFails("backstop.probe=-5ms", "backstop.probe must be >= 0, was PT-0.005S");
    assertFails("backstop.maximum-size=0", "backstop.maximum-size must be >= 1, was 0");
    assertFails(
        "backstop.expire-after-access=0s", "backstop.expire-after-access must be > 0, was PT0S");
    assertFails(
        "backstop.operations[test.Echo/Unary].success=0",
        "backstop.operations[test.Echo/Unary].success must be in [0.01, 1], was 0.0");
    assertFails(
        "backstop.health.rejecting-status= ",
        "backstop.health.rejecting-status must not be blank, was \"\"");
  }

  @Test
  void badCombinationsNameTheLevelThatSetThem() {
    assertFails(
        "backstop.window=5ns",
        "backstop.window must be at least bucket (10) nanoseconds, was PT0.000000005S");
    runner
        .withPropertyValues("backstop.bucket=8", "backstop.operations.users.window=4ns")
        .run(
            context ->
                assertThat(rootMessage(context))
                    .isEqualTo(
                        "backstop.operations[users].window must be at least bucket (8)"
                            + " nanoseconds, was PT0.000000004S"));
    runner
        .withPropertyValues(
            "backstop.window=9ns", "backstop.bucket=3", "backstop.operations.users.bucket=10")
        .run(
            context ->
                assertThat(rootMessage(context))
                    .isEqualTo(
                        "backstop.operations[users]: backstop.window must be at least bucket (10)"
                            + " nanoseconds, was PT0.000000009S"));
  }

  @Test
  void aValueOfTheWrongTypeFailsStartupNamingTheProperty() {
    runner
        .withPropertyValues("backstop.success=lots")
        .run(
            context -> {
              assertThat(context).hasFailed();
              BindException bind = null;
              for (Throwable t = context.getStartupFailure(); t != null; t = t.getCause()) {
                if (t instanceof BindException b) {
                  bind = b;
                }
              }
              assertThat(bind).isNotNull();
              assertThat(bind.getProperty().getName().toString()).isEqualTo("backstop.success");
              assertThat(bind.getProperty().getValue()).isEqualTo("lots");
            });
  }

  @Test
  void theApplicationsOwnBackstopReplacesIt() {
    runner
        .withUserConfiguration(Fixtures.OwnBackstop.class)
        .run(
            context -> {
              assertThat(context).hasSingleBean(Backstop.class);
              assertThat(context.getBean(Backstop.class)).isSameAs(Fixtures.OwnBackstop.BACKSTOP);
            });
  }

  @Test
  void disabledConfiguresNothing() {
    runner
        .withPropertyValues("backstop.enabled=false", "backstop.success=7")
        .run(
            context ->
                assertThat(context)
                    .hasNotFailed()
                    .doesNotHaveBean(Backstop.class)
                    .doesNotHaveBean(BackstopProperties.class));
  }

  @Test
  void aTickerBeanIsTheSourceOfTime() {
    runner
        .withUserConfiguration(Fixtures.FakeTime.class)
        .withPropertyValues("backstop.window=1s")
        .run(
            context -> {
              Backstop backstop = context.getBean(Backstop.class);
              CircuitBreaker breaker = backstop.breaker("users");
              breaker.allow();
              breaker.markFailed();
              assertThat(backstop.snapshot("users").total()).isEqualTo(1);
              context.getBean(FakeTicker.class).advance(Duration.ofSeconds(2));
              assertThat(backstop.snapshot("users").total()).isZero();
            });
  }

  @Test
  void customizersRunAfterTheProperties() {
    runner
        .withUserConfiguration(Customizers.class)
        .run(
            context -> {
              Backstop backstop = context.getBean(Backstop.class);
              for (int i = 0; i < 50; i++) {
                try {
                  backstop.run(
                      "users",
                      () -> {
                        throw new IllegalStateException("not the backend's fault");
                      });
                } catch (IllegalStateException expected) {
                  // the action's own exception
                }
              }
              assertThat(backstop.snapshot("users").accepts()).isEqualTo(50);
              assertThat(context.getBean(Customizers.class).order).hasValue(2);
            });
  }

  private void assertFails(String property, String message) {
    runner
        .withPropertyValues(property)
        .run(context -> assertThat(rootMessage(context)).isEqualTo(message));
  }

  private static String rootMessage(AssertableApplicationContext context) {
    assertThat(context).hasFailed();
    Throwable root = NestedExceptionUtils.getMostSpecificCause(context.getStartupFailure());
    return root.getMessage();
  }

  private static SreBreaker.Settings settings(AssertableApplicationContext context, String op) {
    CircuitBreaker breaker = context.getBean(Backstop.class).breaker(op);
    assertThat(breaker).isInstanceOf(SreBreaker.class);
    return ((SreBreaker) breaker).settings();
  }

  @Configuration(proxyBeanMethods = false)
  static class Customizers {
    final AtomicInteger order = new AtomicInteger();

    @Bean
    @org.springframework.core.annotation.Order(2)
    BackstopBuilderCustomizer second() {
      return builder -> order.compareAndSet(1, 2);
    }

    @Bean
    @org.springframework.core.annotation.Order(1)
    BackstopBuilderCustomizer first() {
      return builder -> {
        order.compareAndSet(0, 1);
        builder.failureWhen(e -> !(e instanceof IllegalStateException));
      };
    }
  }
}
