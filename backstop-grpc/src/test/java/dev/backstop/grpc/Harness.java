package dev.backstop.grpc;

import dev.backstop.Backstop;
import dev.backstop.SreBreaker;
import dev.backstop.testing.FakeTicker;
import dev.backstop.testing.RecordingBreaker;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real in-process gRPC server running {@link EchoService}, a real channel to it, and the
 * breakers the tests inspect. Calls made through {@link #guard} pass the interceptor first, then a
 * counter of the calls that reach the channel ({@link #newCalls}).
 */
final class Harness implements AutoCloseable {

  final EchoService service = new EchoService();
  final AtomicInteger newCalls = new AtomicInteger();
  /** Fake time for the SRE breakers. */
  final FakeTicker ticker = new FakeTicker();
  /** The recording breakers made so far by {@link #recording()}, by operation. */
  final Map<String, RecordingBreaker> breakers = new ConcurrentHashMap<>();

  private final Server server;
  private final ManagedChannel channel;

  Harness() throws IOException {
    String name = InProcessServerBuilder.generateName();
    server =
        InProcessServerBuilder.forName(name)
            .directExecutor()
            .addService(service.definition())
            .build()
            .start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
  }

  /** A {@code Backstop} whose breakers are {@link RecordingBreaker}s kept in {@link #breakers}. */
  Backstop recording() {
    return Backstop.builder()
        .breakers(op -> breakers.computeIfAbsent(op, RecordingBreaker::new))
        .build();
  }

  /** A {@code Backstop} of original-design SRE breakers on the fake ticker. */
  Backstop original() {
    return Backstop.builder()
        .breakers(
            op -> SreBreaker.original().success(0.6).request(100).ticker(ticker).name(op).build())
        .build();
  }

  RecordingBreaker breaker(MethodDescriptor<?, ?> method) {
    return breakers.get(method.getFullMethodName());
  }

  void advance(Duration duration) {
    ticker.advance(duration);
  }

  /** The channel with {@code interceptor} in front of the call counter. */
  Channel guard(ClientInterceptor interceptor) {
    return guard(channel, interceptor);
  }

  /** {@code target} with {@code interceptor} in front of a counter of calls that reach it. */
  Channel guard(Channel target, ClientInterceptor interceptor) {
    ClientInterceptor counter =
        new ClientInterceptor() {
          @Override
          public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(
              MethodDescriptor<ReqT, RespT> method, CallOptions options, Channel next) {
            newCalls.incrementAndGet();
            return next.newCall(method, options);
          }
        };
    // The last interceptor listed is the first to see a call.
    return ClientInterceptors.intercept(target, counter, interceptor);
  }

  ManagedChannel channel() {
    return channel;
  }

  /** Makes a blocking unary call and returns its status (OK if it returned normally). */
  static Outcome unary(Channel channel, MethodDescriptor<String, String> method, String request) {
    try {
      String reply =
          io.grpc.stub.ClientCalls.blockingUnaryCall(channel, method, CallOptions.DEFAULT, request);
      return new Outcome(Status.OK, reply, null);
    } catch (StatusRuntimeException e) {
      return new Outcome(e.getStatus(), null, e.getTrailers());
    }
  }

  /** Makes a blocking unary call that must fail and returns what it threw. */
  static StatusRuntimeException unaryError(
      Channel channel, MethodDescriptor<String, String> method) {
    try {
      String reply =
          io.grpc.stub.ClientCalls.blockingUnaryCall(channel, method, CallOptions.DEFAULT, "x");
      throw new AssertionError("call returned " + reply);
    } catch (StatusRuntimeException e) {
      return e;
    }
  }

  /** What a unary call came to. */
  record Outcome(Status status, String reply, Metadata trailers) {
    /** Whether the call was rejected locally, as the trailer says. */
    boolean local() {
      return trailers != null
          && "CIRCUITBREAKER".equals(trailers.get(BackstopClientInterceptor.REASON));
    }
  }

  @Override
  public void close() {
    channel.shutdownNow();
    server.shutdownNow();
    try {
      channel.awaitTermination(5, TimeUnit.SECONDS);
      server.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
