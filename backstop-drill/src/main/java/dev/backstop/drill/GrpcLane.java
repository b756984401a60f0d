package dev.backstop.drill;

import dev.backstop.Backstop;
import dev.backstop.Snapshot;
import dev.backstop.grpc.BackstopClientInterceptor;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A gRPC server over Netty on loopback port 0, and a channel guarded by {@link
 * BackstopClientInterceptor}: one breaker for the drill's one method.
 */
final class GrpcLane implements Lane {

  /** A unary method with an empty body; hand-written, so the drill needs no generated code. */
  static final MethodDescriptor<byte[], byte[]> METHOD =
      MethodDescriptor.<byte[], byte[]>newBuilder()
          .setType(MethodDescriptor.MethodType.UNARY)
          .setFullMethodName(MethodDescriptor.generateFullMethodName("drill.Backend", "Call"))
          .setRequestMarshaller(Bytes.INSTANCE)
          .setResponseMarshaller(Bytes.INSTANCE)
          .build();

  private static final byte[] EMPTY = new byte[0];

  private final Backstop backstop;
  private final Server server;
  private final ManagedChannel channel;
  private final Channel guarded;

  GrpcLane(Backstop backstop, Health health) throws IOException {
    this.backstop = backstop;
    ServerServiceDefinition service =
        ServerServiceDefinition.builder("drill.Backend")
            .addMethod(
                METHOD,
                ServerCalls.asyncUnaryCall(
                    (byte[] request, StreamObserver<byte[]> response) -> {
                      if (health.grpcReceived()) {
                        response.onNext(EMPTY);
                        response.onCompleted();
                      } else {
                        response.onError(
                            Status.UNAVAILABLE.withDescription("drill: backend failing")
                                .asRuntimeException());
                      }
                    }))
            .build();
    this.server =
        NettyServerBuilder.forAddress(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                InsecureServerCredentials.create())
            .directExecutor()
            .addService(service)
            .build()
            .start();
    this.channel =
        NettyChannelBuilder.forAddress(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getPort()))
            .usePlaintext()
            .directExecutor()
            .build();
    this.guarded =
        ClientInterceptors.intercept(channel, BackstopClientInterceptor.create(backstop));
  }

  @Override
  public String name() {
    return "gRPC";
  }

  @Override
  public void send(Consumer<Outcome> done) {
    ClientCalls.asyncUnaryCall(
        guarded.newCall(METHOD, CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS)),
        EMPTY,
        new StreamObserver<byte[]>() {
          @Override
          public void onNext(byte[] value) {}

          @Override
          public void onError(Throwable t) {
            done.accept(rejectedLocally(t) ? Outcome.REJECTED : Outcome.FAILED);
          }

          @Override
          public void onCompleted() {
            done.accept(Outcome.OK);
          }
        });
  }

  /** The interceptor marks the calls it rejects with a trailer no server sends. */
  private static boolean rejectedLocally(Throwable t) {
    return t instanceof StatusRuntimeException e
        && e.getTrailers() != null
        && e.getTrailers().containsKey(BackstopClientInterceptor.REASON);
  }

  /** Sends on the unguarded channel, so the breaker does not count the warm-up request. */
  @Override
  public void warmUp() throws IOException {
    try {
      ClientCalls.blockingUnaryCall(
          channel, METHOD, CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), EMPTY);
    } catch (RuntimeException e) {
      throw new IOException("gRPC warm-up request failed: " + e, e);
    }
  }

  @Override
  public Snapshot snapshot() {
    return backstop.snapshot(METHOD.getFullMethodName());
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

  /** Marshals raw bytes. */
  private enum Bytes implements MethodDescriptor.Marshaller<byte[]> {
    INSTANCE;

    @Override
    public InputStream stream(byte[] value) {
      return new ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
