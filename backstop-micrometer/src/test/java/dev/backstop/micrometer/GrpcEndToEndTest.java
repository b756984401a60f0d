package dev.backstop.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backstop.Backstop;
import dev.backstop.testing.FakeTicker;
import dev.backstop.grpc.BackstopClientInterceptor;
import io.grpc.CallOptions;
import io.grpc.ClientInterceptors;
import io.grpc.Metadata;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A real gRPC server that fails every call with {@code UNAVAILABLE}, a real channel through
 * {@link BackstopClientInterceptor}, and Backstop's default group reporting to {@link
 * BackstopMetrics}: the counters follow what the server saw and what the client shed.
 */
class GrpcEndToEndTest {

  private static final MethodDescriptor.Marshaller<String> UTF8 =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(String value) {
          return new ByteArrayInputStream(value.getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public String parse(InputStream stream) {
          try {
            return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
      };

  private static final MethodDescriptor<String, String> GET =
      MethodDescriptor.<String, String>newBuilder()
          .setType(MethodDescriptor.MethodType.UNARY)
          .setFullMethodName("test.Users/Get")
          .setRequestMarshaller(UTF8)
          .setResponseMarshaller(UTF8)
          .build();

  private final AtomicInteger received = new AtomicInteger();
  private final FakeTicker ticker = new FakeTicker();
  private Server server;
  private ManagedChannel channel;

  @BeforeEach
  void start() throws IOException {
    String name = InProcessServerBuilder.generateName();
    server =
        InProcessServerBuilder.forName(name)
            .addService(
                ServerServiceDefinition.builder("test.Users")
                    .addMethod(
                        GET,
                        ServerCalls.asyncUnaryCall(
                            (request, response) -> {
                              received.incrementAndGet();
                              response.onError(Status.UNAVAILABLE.asRuntimeException());
                            }))
                    .build())
            .build()
            .start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
  }

  @AfterEach
  void stop() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  @Test
  void countersMoveForARealFailingServer() {
    BackstopMetrics metrics = BackstopMetrics.create();
    Backstop backstop = Backstop.builder().listener(metrics).ticker(ticker).build();
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    metrics.monitor(backstop).bindTo(registry);
    var intercepted =
        ClientInterceptors.intercept(channel, BackstopClientInterceptor.create(backstop));

    int local = 0;
    int remote = 0;
    for (int i = 0; i < 300; i++) {
      ticker.advance(Duration.ofMillis(1)); // 300 calls fit in the 3 s window
      try {
        ClientCalls.blockingUnaryCall(intercepted, GET, CallOptions.DEFAULT, "u" + i);
      } catch (StatusRuntimeException e) {
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        Metadata trailers = e.getTrailers();
        if (trailers != null && trailers.containsKey(BackstopClientInterceptor.REASON)) {
          local++;
        } else {
          remote++;
        }
      }
    }

    String op = GET.getFullMethodName();
    assertThat(remote).isEqualTo(received.get());
    assertThat(local + remote).isEqualTo(300);
    assertThat(local).isGreaterThan(150); // shed once the window holds enough failures
    assertThat(count(registry, op, "failure")).isEqualTo(received.get());
    assertThat(count(registry, op, "rejected")).isEqualTo(local);
    assertThat(count(registry, op, "success")).isZero();
    assertThat(registry.get(BackstopMetrics.ALLOWED).tag("operation", op).functionCounter().count())
        .isEqualTo(received.get());
    assertThat(registry.get(BackstopMetrics.STATE).tag("operation", op).gauge().value())
        .isEqualTo(1);
    assertThat(registry.get(BackstopMetrics.PROBABILITY).tag("operation", op).gauge().value())
        .isEqualTo(backstop.snapshot(op).probability())
        .isGreaterThan(0.9);
  }

  private static long count(SimpleMeterRegistry registry, String op, String outcome) {
    return (long)
        registry
            .get(BackstopMetrics.CALLS)
            .tags("operation", op, "outcome", outcome)
            .functionCounter()
            .count();
  }
}
