package dev.backstop.spring.boot;

import dev.backstop.Backstop;

/**
 * Customizes the builder of the auto-configured {@link Backstop} after the properties have been
 * applied to it, for what properties cannot say: a {@link Backstop.Builder#failureWhen
 * failureWhen} for {@code Backstop.call}, a breaker factory of your own, a listener. Declare one
 * or more as beans; they run in {@link org.springframework.core.annotation.Order order}. The
 * Micrometer auto-configuration registers one that sets the {@code BackstopMetrics} listener, so a
 * customizer that sets another listener replaces it if it runs later. Each customizer is called
 * once, on the thread that creates the {@code Backstop} bean.
 */
@FunctionalInterface
public interface BackstopBuilderCustomizer {

  /** Customizes {@code builder}. */
  void customize(Backstop.Builder builder);
}
