package dev.backstop.grpc;

import static dev.backstop.grpc.EchoService.OTHER;
import static dev.backstop.grpc.EchoService.UNARY;
import static org.assertj.core.api.Assertions.assertThat;

import dev.backstop.Backstop;
import dev.backstop.Snapshot;
import dev.backstop.State;
import io.grpc.Channel;
import io.grpc.Status;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Load shedding end to end: original-design SRE breakers on a fake ticker, a real in-process
 * server that counts the calls reaching it, and the rejection rule computed independently here.
 */
class SheddingTest {

  private static final double K = 1 / 0.6;
  private static final int MINIMUM = 100;

  private Harness harness;
  private Backstop backstop;
  private Channel channel;

  @BeforeEach
  void setUp() throws Exception {
    harness = new Harness();
    backstop = harness.original();
    channel = harness.guard(BackstopClientInterceptor.create(backstop));
  }

  @AfterEach
  void tearDown() {
    harness.close();
  }

  /** The original rule: reject with this probability given the window's counts. */
  private static double rejection(long total, long accepts) {
    if (total < MINIMUM || total < K * accepts) {
      return 0;
    }
    return (total - K * accepts) / (total + 1);
  }

  @Test
  void shedsTheShareTheFormulaPredictsAndShedCallsNeverReachTheServer() {
    // The server accepts every second call it receives and answers UNAVAILABLE to the others.
    harness.service.answer = n -> n % 2 == 0 ? Status.OK : Status.UNAVAILABLE;
    int calls = 1500;
    long accepts = 0;
    int local = 0;
    int remoteFailures = 0;
    double expected = 0;
    double variance = 0;

    for (int i = 0; i < calls; i++) {
      // Every earlier call is in the window (time stands still) and counts as a request: a
      // local rejection counts as a failed request in the original design.
      double p = rejection(i, accepts);
      expected += p;
      variance += p * (1 - p);
      Harness.Outcome outcome = Harness.unary(channel, UNARY, "x");
      if (outcome.status().isOk()) {
        accepts++;
      } else if (outcome.local()) {
        assertThat(outcome.status().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(outcome.status().getDescription())
            .isEqualTo("request failed due to circuit breaker triggered");
        local++;
      } else {
        assertThat(outcome.status().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        remoteFailures++;
      }
    }

    double sigma = Math.sqrt(variance);
    System.out.printf(
        java.util.Locale.ROOT,
        "shed %d of %d calls; the formula expects %.1f +- %.1f%n",
        local,
        calls,
        expected,
        sigma);
    assertThat(expected).isBetween(400.0, 700.0); // the scenario sheds a real share
    assertThat((double) local).isBetween(expected - 5 * sigma, expected + 5 * sigma);
    assertThat(harness.service.received(UNARY)).isEqualTo(calls - local);
    assertThat(harness.newCalls).hasValue(calls - local);
    assertThat(accepts).isEqualTo((calls - local + 1) / 2);
    assertThat(remoteFailures).isEqualTo((calls - local) / 2);
    Snapshot snapshot = backstop.snapshot(UNARY.getFullMethodName());
    assertThat(snapshot.total()).isEqualTo(calls);
    assertThat(snapshot.accepts()).isEqualTo(accepts);
    assertThat(snapshot.state()).isEqualTo(State.OPEN);
    assertThat(snapshot.probability()).isCloseTo(rejection(calls, accepts), within());
  }

  private static org.assertj.core.data.Offset<Double> within() {
    return org.assertj.core.data.Offset.offset(1e-9);
  }

  @Test
  void clientErrorsNeverTripTheBreaker() {
    harness.service.answer = n -> n % 2 == 0 ? Status.INVALID_ARGUMENT : Status.NOT_FOUND;

    for (int i = 0; i < 500; i++) {
      Harness.Outcome outcome = Harness.unary(channel, UNARY, "x");
      assertThat(outcome.local()).isFalse();
      assertThat(outcome.status().getCode())
          .isEqualTo(i % 2 == 0 ? Status.Code.INVALID_ARGUMENT : Status.Code.NOT_FOUND);
    }

    assertThat(harness.service.received(UNARY)).isEqualTo(500);
    assertThat(backstop.snapshot(UNARY.getFullMethodName()).toString())
        .isEqualTo("CLOSED (total=500, accepts=500, rejecting 0.0%)");
  }

  @Test
  void callsFlowAgainOnceTheServerHealsAndTheWindowPasses() {
    harness.service.answer = n -> Status.UNAVAILABLE;
    int local = trip(UNARY, 300);
    // Below the minimum nothing is rejected, so the first 100 calls all reached the server;
    // after that, with no accepts, almost every call is rejected.
    assertThat(harness.service.received(UNARY)).isEqualTo(300 - local).isBetween(100, 110);
    assertThat(backstop.snapshot(UNARY.getFullMethodName()).state()).isEqualTo(State.OPEN);

    harness.service.answer = n -> Status.OK;
    harness.advance(Duration.ofSeconds(3).plusMillis(300)); // the window plus one bucket
    assertThat(backstop.snapshot(UNARY.getFullMethodName()).toString())
        .isEqualTo("CLOSED (total=0, accepts=0, rejecting 0.0%)");
    int before = harness.service.received(UNARY);
    for (int i = 0; i < 200; i++) {
      assertThat(Harness.unary(channel, UNARY, "again").reply()).isEqualTo("echo:again");
    }

    assertThat(harness.service.received(UNARY) - before).isEqualTo(200);
    assertThat(backstop.snapshot(UNARY.getFullMethodName()).toString())
        .isEqualTo("CLOSED (total=200, accepts=200, rejecting 0.0%)");
  }

  @Test
  void eachMethodHasItsOwnBreaker() {
    harness.service.answer = n -> Status.UNAVAILABLE;
    int local = trip(UNARY, 300);
    assertThat(local).isGreaterThan(150);

    harness.service.answer = n -> Status.OK;
    for (int i = 0; i < 200; i++) {
      assertThat(Harness.unary(channel, OTHER, "fine").reply()).isEqualTo("echo:fine");
    }
    // The failing method's breaker still rejects: its window has not passed. The server now
    // answers OK, so the rare call the breaker lets through succeeds.
    int unaryBefore = harness.service.received(UNARY);
    int stillLocal = 0;
    for (int i = 0; i < 50; i++) {
      Harness.Outcome outcome = Harness.unary(channel, UNARY, "x");
      if (outcome.local()) {
        assertThat(outcome.status().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        stillLocal++;
      } else {
        assertThat(outcome.status().getCode()).isEqualTo(Status.Code.OK);
      }
    }

    assertThat(harness.service.received(OTHER)).isEqualTo(200);
    assertThat(stillLocal).isGreaterThanOrEqualTo(45);
    assertThat(harness.service.received(UNARY) - unaryBefore).isEqualTo(50 - stillLocal);
    assertThat(backstop.snapshots().keySet())
        .containsExactlyInAnyOrder("test.Echo/Unary", "test.Echo/Other");
    assertThat(backstop.snapshot(OTHER.getFullMethodName()).toString())
        .isEqualTo("CLOSED (total=200, accepts=200, rejecting 0.0%)");
    assertThat(backstop.snapshot(UNARY.getFullMethodName()).state()).isEqualTo(State.OPEN);
  }

  /** Makes {@code calls} unary calls that must all fail; returns how many were rejected locally. */
  private int trip(io.grpc.MethodDescriptor<String, String> method, int calls) {
    int local = 0;
    for (int i = 0; i < calls; i++) {
      Harness.Outcome outcome = Harness.unary(channel, method, "x");
      assertThat(outcome.status().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
      if (outcome.local()) {
        local++;
      }
    }
    return local;
  }
}
