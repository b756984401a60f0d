package dev.backstop.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backstop.Backstop;
import dev.backstop.CircuitBreaker;
import dev.backstop.NotAllowedException;
import dev.backstop.Snapshot;
import dev.backstop.State;
import dev.backstop.testing.FakeTicker;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The endpoint and the health contributor: when they exist and what they say. */
class EndpointAutoConfigurationTest {

  private final ApplicationContextRunner runner =
      new ApplicationContextRunner()
          .withConfiguration(
              AutoConfigurations.of(
                  BackstopAutoConfiguration.class, BackstopEndpointAutoConfiguration.class))
          .withUserConfiguration(Fixtures.FakeTime.class);

  @Test
  void theEndpointIsThereWhenExposed() {
    runner
        .withPropertyValues("management.endpoints.web.exposure.include=backstop")
        .run(context -> assertThat(context).hasSingleBean(BackstopEndpoint.class));
    runner.run(context -> assertThat(context).doesNotHaveBean(BackstopEndpoint.class));
    runner
        .withPropertyValues(
            "management.endpoints.web.exposure.include=backstop",
            "management.endpoint.backstop.access=NONE")
        .run(context -> assertThat(context).doesNotHaveBean(BackstopEndpoint.class));
  }

  @Test
  void theEndpointShowsTheApplicationsOwnBackstop() {
    runner
        .withUserConfiguration(Fixtures.OwnBackstop.class)
        .withPropertyValues("management.endpoints.web.exposure.include=backstop")
        .run(
            context -> {
              Fixtures.OwnBackstop.BACKSTOP.breaker("mine").allow();
              assertThat(context.getBean(BackstopEndpoint.class).operations().operations())
                  .containsKey("mine");
            });
  }

  @Test
  void withoutTheActuatorThereIsNoEndpoint() {
    runner
        .withClassLoader(new FilteredClassLoader(Endpoint.class))
        .withPropertyValues("management.endpoints.web.exposure.include=backstop")
        .run(
            context -> {
              assertThat(context).hasNotFailed().hasSingleBean(Backstop.class);
              assertThat(context).doesNotHaveBean(BackstopEndpoint.class);
            });
  }

  @Test
  void theEndpointListsEveryOperationAndFindsOneBySlashedName() {
    Backstop backstop = Backstop.builder().ticker(new FakeTicker()).build();
    open(backstop.breaker("http://127.0.0.1:8080"));
    backstop.breaker("test.Echo/Unary").allow();
    BackstopEndpoint endpoint = new BackstopEndpoint(backstop);

    Map<String, Snapshot> operations = endpoint.operations().operations();
    assertThat(operations).containsOnlyKeys("http://127.0.0.1:8080", "test.Echo/Unary");
    assertThat(operations.get("http://127.0.0.1:8080").state()).isEqualTo(State.OPEN);
    assertThat(operations.get("test.Echo/Unary"))
        .isEqualTo(new Snapshot(0, 0, 0, State.CLOSED));

    assertThat(endpoint.operation("test.Echo", "Unary")).isEqualTo(operations.get("test.Echo/Unary"));
    assertThat(endpoint.operation("http:", "", "127.0.0.1:8080"))
        .isEqualTo(operations.get("http://127.0.0.1:8080"));
    assertThat(endpoint.operation("http:", "127.0.0.1:8080"))
        .isEqualTo(operations.get("http://127.0.0.1:8080"));
    assertThat(endpoint.operation("nothing")).isNull();
    assertThat(backstop.contains("nothing")).isFalse();
  }

  @Test
  void healthIsOptIn() {
    runner.run(context -> assertThat(context).doesNotHaveBean("backstopHealthIndicator"));
    runner
        .withPropertyValues("backstop.health.enabled=true")
        .run(context -> assertThat(context).hasBean("backstopHealthIndicator"));
    runner
        .withPropertyValues(
            "backstop.health.enabled=true", "management.health.backstop.enabled=false")
        .run(context -> assertThat(context).doesNotHaveBean("backstopHealthIndicator"));
    runner
        .withClassLoader(new FilteredClassLoader(HealthIndicator.class))
        .withPropertyValues("backstop.health.enabled=true")
        .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean("backstopHealthIndicator"));
  }

  @Test
  void anOpenBreakerIsReportedWithoutTurningTheApplicationDown() {
    runner
        .withPropertyValues("backstop.health.enabled=true")
        .run(
            context -> {
              assertThat(health(context).getStatus()).isEqualTo(Status.UP);
              Backstop backstop = context.getBean(Backstop.class);
              backstop.breaker("healthy").allow();
              open(backstop.breaker("users"));
              Health health = health(context);
              assertThat(health.getStatus()).isEqualTo(Status.UP);
              assertThat(health.getDetails()).containsEntry("operations", 2);
              assertThat(health.getDetails().get("open"))
                  .isEqualTo(Map.of("users", backstop.snapshot("users")));
            });
  }

  @Test
  void anOpenBreakerSetsTheConfiguredStatus() {
    runner
        .withPropertyValues("backstop.health.enabled=true", "backstop.health.rejecting-status=down")
        .run(
            context -> {
              assertThat(health(context).getStatus()).isEqualTo(Status.UP);
              open(context.getBean(Backstop.class).breaker("users"));
              assertThat(health(context).getStatus()).isEqualTo(Status.DOWN);
            });
  }

  /** Fails requests until the breaker rejects one; the fake ticker stands still meanwhile. */
  static void open(CircuitBreaker breaker) {
    for (int i = 0; i < 1_000; i++) {
      try {
        breaker.allow();
      } catch (NotAllowedException rejected) {
        breaker.markRejected();
        return;
      }
      breaker.markFailed();
    }
    throw new AssertionError("the breaker never rejected: " + breaker);
  }

  private static Health health(AssertableApplicationContext context) {
    return context.getBean("backstopHealthIndicator", HealthIndicator.class).health();
  }
}
