/**
 * Backstop for gRPC-java clients: a {@link io.grpc.ClientInterceptor} that guards each method with
 * its own Backstop circuit breaker. {@code io.grpc} is grpc-api's automatic module name.
 */
module dev.backstop.grpc {
  requires transitive dev.backstop;
  requires transitive io.grpc;

  exports dev.backstop.grpc;
}
