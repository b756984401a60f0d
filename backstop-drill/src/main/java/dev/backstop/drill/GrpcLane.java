package dev.backstop.drill;

import dev.backstop.Backstop;
import dev.backstop.Snapshot;
import dev.backstop.grpc.BackstopClientInterceptor;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
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
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A gRPC server over Netty on loopback port 0, and a channel guarded by {@link
 * BackstopClientInterceptor}: one breaker for the drill's one method. A request's message is its
 * number, eight bytes; the server marks it in its {@link Receipts}.
 */
final class GrpcLane implements Lane {

  /** A unary method of raw bytes; hand-written, so the drill needs no generated code. */
  static final MethodDescriptor<byte[], byte[]> METHOD =
      MethodDescriptor.<byte[], byte[]>newBuilder()
          .setType(MethodDescriptor.MethodType.UNARY)
          .setFullMethodName(MethodDescriptor.generateFullMethodName("drill.Backend", "Call"))
          .setRequestMarshaller(Bytes.INSTANCE)
          .setResponseMarshaller(Bytes.INSTANCE)
          .build();

  /** The trailer the drill's server puts on the backend's failures, and nothing else does. */
  static final Metadata.Key<String> BACKEND =
      Metadata.Key.of("drill-backend", Metadata.ASCII_STRING_MARSHALLER);

  /** Descriptions gRPC-java gives the calls of a channel that was shut down. */
  private static final Set<String> SHUTDOWN =
      Set.of("Channel shutdown invoked", "Channel shutdownNow invoked");

  private static final byte[] EMPTY = new byte[0];

  private final Backstop backstop;
  private final Server server;
  private final ManagedChannel channel;
  private final Channel guarded;

  GrpcLane(Backstop backstop, Health health, Receipts receipts) throws IOException {
    this.backstop = backstop;
    ServerServiceDefinition service =
        ServerServiceDefinition.builder("drill.Backend")
            .addMethod(
                METHOD,
                ServerCalls.asyncUnaryCall(
                    (byte[] request, StreamObserver<byte[]> response) -> {
                      receipts.mark(request.length == 8 ? ByteBuffer.wrap(request).getLong() : -2);
                      if (health.healthy()) {
                        response.onNext(EMPTY);
                        response.onCompleted();
                      } else {
                        Metadata trailers = new Metadata();
                        trailers.put(BACKEND, "failing");
                        response.onError(
                            Status.UNAVAILABLE.withDescription("drill: backend failing")
                                .asRuntimeException(trailers));
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
  public String describe() {
    return "Netty server, a channel of one HTTP/2 connection through BackstopClientInterceptor";
  }

  @Override
  public void send(long id, Consumer<Outcome> done) {
    call(guarded, id, error -> done.accept(error == null ? Outcome.OK : outcome(error)));
  }

  private static void call(Channel channel, long id, Consumer<Throwable> done) {
    ClientCalls.asyncUnaryCall(
        channel.newCall(METHOD, CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS)),
        ByteBuffer.allocate(8).putLong(id).array(),
        new StreamObserver<byte[]>() {
          @Override
          public void onNext(byte[] value) {}

          @Override
          public void onError(Throwable t) {
            done.accept(t);
          }

          @Override
          public void onCompleted() {
            done.accept(null);
          }
        });
  }

  /** The cause of a call's error; see {@link Outcome}. */
  static Outcome outcome(Throwable t) {
    if (!(t instanceof StatusRuntimeException e)) {
      return dev.backstop.Outcome.ignored(t) ? Outcome.IGNORED : Outcome.OTHER;
    }
    Metadata trailers = e.getTrailers();
    if (trailers != null && trailers.containsKey(BackstopClientInterceptor.REASON)) {
      return Outcome.REJECTED;
    }
    if (trailers != null && trailers.containsKey(BACKEND)) {
      return Outcome.BACKEND;
    }
    Status status = e.getStatus();
    Throwable cause = status.getCause();
    if (cause != null && dev.backstop.Outcome.ignored(cause)
        || status.getCode() == Status.Code.CANCELLED
        || cause == null && SHUTDOWN.contains(status.getDescription())) {
      return Outcome.IGNORED;
    }
    if (status.getCode() == Status.Code.DEADLINE_EXCEEDED) {
      return Outcome.TIMEOUT;
    }
    if (status.getCode() == Status.Code.UNAVAILABLE) {
      for (Throwable c = cause; c != null; c = c.getCause()) {
        if (c instanceof ConnectException) {
          return Outcome.REFUSED;
        }
      }
      return Outcome.RESET;
    }
    return Outcome.OTHER;
  }

  /**
   * Sends through an interceptor of its own, so that the guarded path is loaded and compiled
   * while the run's breaker counts nothing.
   */
  @Override
  public void warmUp(int count, int concurrency) throws IOException {
    Channel warm =
        ClientInterceptors.intercept(channel, BackstopClientInterceptor.create(Backstop.create()));
    Lane.warmUp(name(), count, concurrency, done -> call(warm, Receipts.WARM_UP, done));
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
