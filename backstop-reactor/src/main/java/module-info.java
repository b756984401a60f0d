/**
 * Backstop for Project Reactor: an operator that guards each subscription to a {@code Mono} or
 * {@code Flux} with a Backstop circuit breaker.
 */
module dev.backstop.reactor {
  requires transitive dev.backstop;
  requires transitive reactor.core;
  requires transitive org.reactivestreams;

  exports dev.backstop.reactor;
}
