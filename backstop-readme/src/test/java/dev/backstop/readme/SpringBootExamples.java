package dev.backstop.readme;

import dev.backstop.Backstop;
import dev.backstop.SreBreaker;
import dev.backstop.micrometer.BackstopMetrics;
import dev.backstop.spring.boot.BackstopBuilderCustomizer;
import java.io.IOException;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The README's Spring Boot section: beans of an application's own configuration. */
final class SpringBootExamples {

  @Configuration(proxyBeanMethods = false)
  static class OwnBackstop {
    // README: Spring Boot
    @Bean
    Backstop backstop(BackstopMetrics metrics) {                       // your own, with meters
      return Backstop.builder()
          .breakers(op -> SreBreaker.builder().name(op).success(0.5).build())
          .listener(metrics)
          .build();
    }

    @Bean
    BackstopBuilderCustomizer callsFailOnlyOnIo() {                   // or adjust the auto-configured one
      return builder -> builder.failureWhen(e -> e instanceof IOException);
    }
  }

  private SpringBootExamples() {}
}
