/**
 * Backstop for gRPC-java clients: {@link dev.backstop.grpc.BackstopClientInterceptor} guards each
 * method with its own circuit breaker.
 *
 * <p>Parameters and return values are non-null unless stated otherwise.
 */
package dev.backstop.grpc;
