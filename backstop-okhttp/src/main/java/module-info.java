/**
 * Backstop for OkHttp: an {@link okhttp3.Interceptor} that guards calls with one circuit breaker
 * per origin or per named operation.
 */
module dev.backstop.okhttp {
  requires transitive dev.backstop;
  requires transitive okhttp3;

  exports dev.backstop.okhttp;
}
