package dev.backstop.grpc;

import static dev.backstop.grpc.EchoService.UNARY;
import static org.assertj.core.api.Assertions.assertThat;

import dev.backstop.Backstop;
import dev.backstop.Snapshot;
import dev.backstop.State;
import dev.backstop.testing.FakeTicker;
import dev.backstop.testing.RecordingBreaker;
import dev.backstop.testing.RecordingBreaker.Counts;
import dev.backstop.testing.RecordingListener;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptors;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What the client does to its calls never opens the breaker of a healthy backend: a thousand
 * calls cancelled, started past their deadline or cut by a channel shutdown leave a default
 * {@code SreBreaker} closed, with each call reported as ignored and none as a failure. Real
 * servers and channels, in-process and Netty on a loopback port.
 */
class HealthyBackendTest {

  private static final int CALLS = 1_000;
  private static final String OPERATION = UNARY.getFullMethodName();

  private final EchoService service = new EchoService();
  private final RecordingListener listener = new RecordingListener();
  /** Default breakers on a fake clock that stands still: every call stays in the window. */
  private final Backstop backstop =
      Backstop.builder().ticker(new FakeTicker()).listener(listener).build();
  private final List<Server> servers = new ArrayList<>();
  private final List<ManagedChannel> channels = new ArrayList<>();
  private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();

  @AfterEach
  void tearDown() throws InterruptedException {
    scheduler.shutdownNow();
    for (ManagedChannel channel : channels) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    for (Server server : servers) {
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  /** A channel to a new server running {@link #service}, over in-process or Netty. */
  private ManagedChannel channel(boolean netty) throws IOException {
    ManagedChannel channel;
    if (netty) {
      InetAddress loopback = InetAddress.getLoopbackAddress();
      Server server =
          NettyServerBuilder.forAddress(
                  new InetSocketAddress(loopback, 0), InsecureServerCredentials.create())
              .addService(service.definition())
              .build()
              .start();
      servers.add(server);
      channel =
          NettyChannelBuilder.forAddress(
                  new InetSocketAddress(loopback, server.getPort()),
                  InsecureChannelCredentials.create())
              .build();
    } else {
      String name = InProcessServerBuilder.generateName();
      servers.add(
          InProcessServerBuilder.forName(name)
              .addService(service.definition())
              .build()
              .start());
      channel = InProcessChannelBuilder.forName(name).build();
    }
    channels.add(channel);
    return channel;
  }

  private Channel guarded(Channel channel) {
    return ClientInterceptors.intercept(channel, BackstopClientInterceptor.create(backstop));
  }

  /** The breaker is closed, holds no failure, and {@code ignored} calls were reported so. */
  private void assertIgnoredAndClosed(int ignored, int successes) {
    assertThat(listener.counts(OPERATION))
        .isEqualTo(new Counts(ignored + successes, successes, 0, ignored, 0));
    Snapshot snapshot = backstop.snapshot(OPERATION);
    assertThat(snapshot.state()).isEqualTo(State.CLOSED);
    assertThat(snapshot.total()).isEqualTo(successes);
    assertThat(snapshot.accepts()).isEqualTo(successes);
  }

  @Test
  void aThousandCallsStartedPastTheirDeadlineAreIgnoredAndNeverSent() throws Exception {
    Channel channel = guarded(channel(false));

    for (int i = 0; i < CALLS; i++) {
      StatusRuntimeException e;
      switch (i % 3) {
        case 0 -> // a deadline passed before the call, as propagated from an upstream call
            e =
                error(
                    channel,
                    CallOptions.DEFAULT.withDeadline(Deadline.after(-1, TimeUnit.SECONDS)));
        case 1 -> { // the same deadline, on the caller's Context
          Context.CancellableContext late =
              Context.current().withDeadline(Deadline.after(-1, TimeUnit.SECONDS), scheduler);
          e = late.call(() -> error(channel, CallOptions.DEFAULT));
        }
        default -> { // the caller's Context was cancelled already (its own caller gave up)
          Context.CancellableContext gone = Context.current().withCancellation();
          gone.cancel(null);
          e = gone.call(() -> error(channel, CallOptions.DEFAULT));
        }
      }
      assertThat(e.getStatus().getCode())
          .isIn(Status.Code.DEADLINE_EXCEEDED, Status.Code.CANCELLED);
    }

    assertThat(service.received()).isZero();
    assertIgnoredAndClosed(CALLS, 0);
    assertThat(ClientCalls.blockingUnaryCall(channel, UNARY, CallOptions.DEFAULT, "x"))
        .isEqualTo("echo:x");
  }

  @ParameterizedTest(name = "netty {0}")
  @ValueSource(booleans = {false, true})
  void aThousandCancelledCallsAreIgnored(boolean netty) throws Exception {
    Channel channel = guarded(channel(netty));

    for (int batch = 0; batch < CALLS / 100; batch++) {
      List<Future<String>> futures = new ArrayList<>();
      List<Context.CancellableContext> contexts = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        if (i % 2 == 0) { // the caller cancels the call's future
          futures.add(
              ClientCalls.futureUnaryCall(channel.newCall(UNARY, CallOptions.DEFAULT), "hang"));
        } else { // the caller's Context is cancelled, as a server cancels its handler's
          Context.CancellableContext context = Context.current().withCancellation();
          contexts.add(context);
          context.run(
              () ->
                  ClientCalls.futureUnaryCall(
                      channel.newCall(UNARY, CallOptions.DEFAULT), "hang"));
        }
      }
      assertThat(service.hanging.tryAcquire(100, 10, TimeUnit.SECONDS)).isTrue();
      futures.forEach(f -> assertThat(f.cancel(true)).isTrue());
      contexts.forEach(c -> c.cancel(null));
      assertThat(service.cancels.tryAcquire(100, 10, TimeUnit.SECONDS)).isTrue();
    }

    assertThat(service.received()).isEqualTo(CALLS);
    listener.awaitEnds(CALLS, Duration.ofSeconds(10));
    assertIgnoredAndClosed(CALLS, 0);
  }

  @ParameterizedTest(name = "netty {0}")
  @ValueSource(booleans = {false, true})
  void shuttingAChannelDownIsIgnoredAndLeavesTheSharedBreakerClosedForOtherChannels(
      boolean netty) throws Exception {
    ManagedChannel closing = channel(netty);
    Channel guardedClosing = guarded(closing);
    Channel other = guarded(channel(netty)); // shares the Backstop, as the README suggests
    assertThat(ClientCalls.blockingUnaryCall(other, UNARY, CallOptions.DEFAULT, "x"))
        .isEqualTo("echo:x");

    // A thousand calls in flight when the channel is shut down now...
    CountDownLatch closed = new CountDownLatch(CALLS);
    List<Status> statuses = Collections.synchronizedList(new ArrayList<>());
    for (int i = 0; i < CALLS; i++) {
      ClientCall<String, String> call = guardedClosing.newCall(UNARY, CallOptions.DEFAULT);
      call.start(
          new ClientCall.Listener<>() {
            @Override
            public void onClose(Status status, Metadata trailers) {
              statuses.add(status);
              closed.countDown();
            }
          },
          new Metadata());
      call.sendMessage("hang");
      call.halfClose();
      call.request(1);
    }
    assertThat(service.hanging.tryAcquire(CALLS, 10, TimeUnit.SECONDS)).isTrue();
    closing.shutdownNow();
    assertThat(closed.await(10, TimeUnit.SECONDS)).isTrue();
    // ... and a hundred made after it.
    for (int i = 0; i < 100; i++) {
      statuses.add(error(guardedClosing, CallOptions.DEFAULT).getStatus());
    }

    assertThat(statuses)
        .hasSize(CALLS + 100)
        .allMatch(s -> s.getCode() == Status.Code.UNAVAILABLE);
    assertIgnoredAndClosed(CALLS + 100, 1);
    for (int i = 0; i < 100; i++) {
      assertThat(ClientCalls.blockingUnaryCall(other, UNARY, CallOptions.DEFAULT, "y"))
          .isEqualTo("echo:y");
    }
    assertIgnoredAndClosed(CALLS + 100, 101);
  }

  @Test
  void aThousandRejectionsOfAnInnerGuardAreIgnoredByTheOuterOne() throws Exception {
    Backstop shedding =
        Backstop.builder()
            .breakers(op -> new RecordingBreaker(op).rejectAll())
            .build();
    // A stub interceptor (outer) over a channel interceptor (inner) of another Backstop.
    Channel nested =
        ClientInterceptors.intercept(
            ClientInterceptors.intercept(
                channel(false), BackstopClientInterceptor.create(shedding)),
            BackstopClientInterceptor.create(backstop));

    for (int i = 0; i < CALLS; i++) {
      StatusRuntimeException e = error(nested, CallOptions.DEFAULT);
      BackstopClientInterceptorTest.assertRejected(e);
    }

    assertThat(service.received()).isZero();
    assertIgnoredAndClosed(CALLS, 0);
  }

  private static StatusRuntimeException error(Channel channel, CallOptions options) {
    try {
      String reply = ClientCalls.blockingUnaryCall(channel, UNARY, options, "x");
      throw new AssertionError("call returned " + reply);
    } catch (StatusRuntimeException e) {
      return e;
    }
  }
}
