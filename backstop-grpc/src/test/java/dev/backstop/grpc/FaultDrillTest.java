package dev.backstop.grpc;

import static dev.backstop.grpc.EchoService.UNARY;
import static org.assertj.core.api.Assertions.assertThat;

import dev.backstop.Backstop;
import dev.backstop.State;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A fault drill over a real socket: a Netty server on a loopback port, stopped (connection refused)
 * and restarted on the same port while a guarded Netty channel keeps calling.
 */
class FaultDrillTest {

  private final EchoService service = new EchoService();
  private final Harness harness = new Harness(); // for the fake ticker and the call counter
  private Server server;
  private ManagedChannel channel;

  FaultDrillTest() throws IOException {}

  @BeforeEach
  void setUp() throws IOException {
    server = serve(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    channel =
        NettyChannelBuilder.forAddress(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getPort()),
                InsecureChannelCredentials.create())
            .build();
  }

  @AfterEach
  void tearDown() throws InterruptedException {
    channel.shutdownNow();
    server.shutdownNow();
    channel.awaitTermination(5, TimeUnit.SECONDS);
    server.awaitTermination(5, TimeUnit.SECONDS);
    harness.close();
  }

  private Server serve(InetSocketAddress address) throws IOException {
    return NettyServerBuilder.forAddress(address, InsecureServerCredentials.create())
        .addService(service.definition())
        .build()
        .start();
  }

  @Test
  void stopShedRestartRecover() throws Exception {
    Backstop backstop = harness.original();
    Channel guarded = harness.guard(channel, BackstopClientInterceptor.create(backstop));
    String operation = UNARY.getFullMethodName();
    int port = server.getPort();

    // 1. Healthy.
    for (int i = 0; i < 20; i++) {
      assertThat(call(guarded, CallOptions.DEFAULT)).isEqualTo("echo:x");
    }
    assertThat(service.received(UNARY)).isEqualTo(20);

    // 2. The server goes away: connection refused, UNAVAILABLE, then local shedding.
    server.shutdownNow();
    assertThat(server.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
    int remote = 0;
    int local = 0;
    Throwable refused = null;
    for (int i = 0; i < 300; i++) {
      StatusRuntimeException e = failure(guarded);
      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
      if (e.getTrailers().containsKey(BackstopClientInterceptor.REASON)) {
        local++;
      } else {
        remote++;
        refused = e.getStatus().getCause();
      }
    }
    // 20 accepts keep the breaker closed until the window holds 100 requests: 80 more calls.
    // From then on, with no accept, it rejects a growing share (over 60 %, then nearly all).
    assertThat(refused).isInstanceOf(ConnectException.class);
    assertThat(remote).isBetween(80, 150);
    assertThat(local).isEqualTo(300 - remote);
    assertThat(harness.newCalls).hasValue(20 + remote); // shed calls never reached the channel
    assertThat(backstop.snapshot(operation).state()).isEqualTo(State.OPEN);
    System.out.printf(
        "fault drill: server down, %d calls refused by the socket, %d shed%n", remote, local);

    // 3. Restart on the same port. Until the window passes, the original breaker still sheds
    //    most calls; those it lets through reach the restarted server.
    server = serve(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
    channel.resetConnectBackoff();
    CallOptions patient = CallOptions.DEFAULT.withWaitForReady();
    int shedAfterRestart = 0;
    int servedAfterRestart = 0;
    for (int i = 0; i < 30; i++) {
      try {
        assertThat(call(guarded, patient)).isEqualTo("echo:x");
        servedAfterRestart++;
      } catch (StatusRuntimeException e) {
        assertRejected(e);
        shedAfterRestart++;
      }
    }
    assertThat(shedAfterRestart).isGreaterThanOrEqualTo(18);
    assertThat(service.received(UNARY)).isEqualTo(20 + servedAfterRestart);

    // 4. The window passes: every call flows again.
    harness.advance(Duration.ofSeconds(3).plusMillis(300));
    assertThat(backstop.snapshot(operation).state()).isEqualTo(State.CLOSED);
    int before = service.received(UNARY);
    for (int i = 0; i < 150; i++) {
      assertThat(call(guarded, patient)).isEqualTo("echo:x");
    }

    assertThat(service.received(UNARY) - before).isEqualTo(150);
    assertThat(backstop.snapshot(operation).toString())
        .isEqualTo("CLOSED (total=150, accepts=150, rejecting 0.0%)");
  }

  private static void assertRejected(StatusRuntimeException e) {
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(e.getTrailers().get(BackstopClientInterceptor.REASON)).isEqualTo("CIRCUITBREAKER");
  }

  private static String call(Channel channel, CallOptions options) {
    return ClientCalls.blockingUnaryCall(
        channel, UNARY, options.withDeadlineAfter(10, TimeUnit.SECONDS), "x");
  }

  private static StatusRuntimeException failure(Channel channel) {
    try {
      throw new AssertionError("call returned " + call(channel, CallOptions.DEFAULT));
    } catch (StatusRuntimeException e) {
      return e;
    }
  }
}
