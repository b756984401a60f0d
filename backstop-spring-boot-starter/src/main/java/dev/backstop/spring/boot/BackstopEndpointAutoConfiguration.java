package dev.backstop.spring.boot;

import dev.backstop.Backstop;
import java.util.Locale;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The actuator view of the application's {@link Backstop}: the endpoint {@code backstop} ({@link
 * BackstopEndpoint}), available as Boot's {@code management.endpoint(s).*} properties say (expose
 * it over HTTP with {@code management.endpoints.web.exposure.include}), and the health contributor
 * {@code backstop}, only with {@code backstop.health.enabled=true}.
 */
@AutoConfiguration(after = BackstopAutoConfiguration.class)
@ConditionalOnClass(Endpoint.class)
@ConditionalOnBooleanProperty(name = "backstop.enabled", matchIfMissing = true)
@ConditionalOnSingleCandidate(Backstop.class)
public final class BackstopEndpointAutoConfiguration {

  @Bean
  @ConditionalOnMissingBean
  @ConditionalOnAvailableEndpoint
  BackstopEndpoint backstopEndpoint(Backstop backstop) {
    return new BackstopEndpoint(backstop);
  }

  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(HealthIndicator.class)
  @ConditionalOnBooleanProperty("backstop.health.enabled")
  @ConditionalOnEnabledHealthIndicator("backstop")
  static class HealthConfiguration {

    @Bean
    @ConditionalOnMissingBean(name = "backstopHealthIndicator")
    HealthIndicator backstopHealthIndicator(Backstop backstop, BackstopProperties properties) {
      return new BackstopHealthIndicator(
          backstop,
          new Status(properties.health().rejectingStatus().trim().toUpperCase(Locale.ROOT)));
    }
  }
}
