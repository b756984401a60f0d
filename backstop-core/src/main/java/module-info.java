/**
 * Backstop core: the SRE adaptive-throttling circuit breaker, the per-operation {@link
 * dev.backstop.Group} and the transport-agnostic {@link dev.backstop.Backstop} middleware. It has
 * no dependencies.
 */
module dev.backstop {
  exports dev.backstop;
}
