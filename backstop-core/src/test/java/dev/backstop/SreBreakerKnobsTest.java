package dev.backstop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The refinements beyond the original design, each on hand-computed cases. */
class SreBreakerKnobsTest {

  private final FakeTicker ticker = new FakeTicker(123_456_789L);

  private static void mark(SreBreaker b, int successes, int failures) {
    for (int i = 0; i < successes; i++) {
      b.markSuccess();
    }
    for (int i = 0; i < failures; i++) {
      b.markFailed();
    }
  }

  /**
   * Moves time and lets the breakers see it, as the allow() before every mark would: marks made
   * before a breaker notices that its bucket ended count in the bucket that ended.
   */
  private void advance(Duration d, SreBreaker... breakers) {
    ticker.advance(d);
    for (SreBreaker b : breakers) {
      b.state();
    }
  }

  private SreBreaker.Builder noProbe() {
    return SreBreaker.builder().probe(Duration.ZERO).ticker(ticker);
  }

  // --- recent ---

  @Test
  void aFailingCurrentBucketIsJudgedWithThePreviousOne() {
    SreBreaker b = noProbe().recent(1).build(); // recent minimum: 100 * 1 / 10 = 10
    SreBreaker original = SreBreaker.original().ticker(ticker).build();
    for (SreBreaker x : new SreBreaker[] {b, original}) {
      mark(x, 100, 0); // bucket 0
    }
    advance(Duration.ofMillis(600), b, original); // bucket 1 empty, now in bucket 2
    for (SreBreaker x : new SreBreaker[] {b, original}) {
      mark(x, 0, 12);
    }
    // Whole window: 112 requests, 100 accepts: closed. Recent (buckets 1-2): 12 failures.
    assertThat(original.snapshot()).isEqualTo(new Snapshot(112, 100, 0.0, State.CLOSED));
    assertThat(b.snapshot()).isEqualTo(new Snapshot(112, 100, 12.0 / 13, State.OPEN));
    assertThatThrownBy(() -> b.allow(12.0 / 13 - 1e-9)).isInstanceOf(NotAllowedException.class);
    b.allow(12.0 / 13 + 1e-9);
  }

  @Test
  void theRecentWindowNeedsItsMinimum() {
    SreBreaker b = noProbe().recent(1).build();
    mark(b, 100, 0);
    advance(Duration.ofMillis(600), b);
    mark(b, 0, 9); // 9 < 10
    assertThat(b.state()).isEqualTo(State.CLOSED);
    b.markFailed();
    assertThat(b.snapshot().probability()).isEqualTo(10.0 / 11);
  }

  @Test
  void theRecentWindowIsNotJudgedWhileTheCurrentBucketHasAccepts() {
    SreBreaker b = noProbe().recent(1).build();
    mark(b, 100, 0);
    advance(Duration.ofMillis(300), b);
    mark(b, 0, 15); // the previous bucket failed badly...
    advance(Duration.ofMillis(300), b);
    mark(b, 1, 3); // ...but the current bucket has an accept: whole window only
    assertThat(b.snapshot()).isEqualTo(new Snapshot(119, 101, 0.0, State.CLOSED));
    b.markFailed(); // still has its accept
    assertThat(b.state()).isEqualTo(State.CLOSED);
    advance(Duration.ofMillis(300), b);
    // A new current bucket, failing with no accepts. Recent window: the previous bucket (1 accept,
    // 4 failures) and this one.
    b.markFailed();
    assertThat(b.snapshot().probability()).isZero(); // 6 requests < minimum 10
    mark(b, 0, 4); // recent: 10 requests, 1 accept: (10 - 1.67) / 11
    assertThat(b.snapshot().probability()).isEqualTo((10 - 1 / 0.6) / 11);
  }

  // --- forgive ---

  @Test
  void aStarvedBreakerForgivesItsRejectionsAtTheFirstAccept() {
    SreBreaker b = noProbe().build();
    mark(b, 0, 200);
    assertThatThrownBy(() -> b.allow(0.0)).isInstanceOf(NotAllowedException.class);
    for (int i = 0; i < 100; i++) {
      b.markRejected();
    }
    assertThat(b.snapshot().total()).isEqualTo(300);
    b.markSuccess();
    // The 100 rejections are forgiven; the 200 failures and the success remain.
    assertThat(b.snapshot().total()).isEqualTo(201);
    assertThat(b.snapshot().accepts()).isEqualTo(1);
    // Rejections after the forgiveness count again.
    b.markRejected();
    assertThat(b.snapshot().total()).isEqualTo(202);
  }

  @Test
  void rejectionsKeepCountingWhileTheBackendStillAccepts() {
    SreBreaker b = noProbe().build();
    mark(b, 60, 100); // open, but the backend accepts some: an overload, not an outage
    b.allow(0.9999); // a check that is not rejected
    for (int i = 0; i < 50; i++) {
      b.markRejected();
    }
    b.markSuccess();
    assertThat(b.snapshot().total()).isEqualTo(211);
    assertThat(b.snapshot().accepts()).isEqualTo(61);
  }

  @Test
  void withoutForgiveRejectionsCountUntilTheyLeaveTheWindow() {
    SreBreaker b = noProbe().forgive(false).build();
    mark(b, 0, 200);
    assertThatThrownBy(() -> b.allow(0.0)).isInstanceOf(NotAllowedException.class);
    for (int i = 0; i < 100; i++) {
      b.markRejected();
    }
    b.markSuccess();
    assertThat(b.snapshot().total()).isEqualTo(301);
    ticker.advance(Duration.ofSeconds(3));
    assertThat(b.snapshot().total()).isZero();
  }

  @Test
  void forgivenRejectionsStayForgivenAsBucketsRotate() {
    SreBreaker b = noProbe().build();
    mark(b, 0, 200);
    assertThatThrownBy(() -> b.allow(0.0)).isInstanceOf(NotAllowedException.class);
    for (int i = 0; i < 40; i++) {
      b.markRejected();
    }
    advance(Duration.ofMillis(300), b);
    for (int i = 0; i < 60; i++) {
      b.markRejected();
    }
    b.markSuccess();
    advance(Duration.ofMillis(300), b);
    assertThat(b.snapshot().total()).isEqualTo(201);
  }

  // --- probe ---

  @Test
  void oneRequestPerProbeIntervalGoesThroughWhileRejecting() {
    SreBreaker b = SreBreaker.builder().probe(Duration.ofSeconds(1)).ticker(ticker).build();
    mark(b, 0, 1_000);
    b.allow(0.0); // the first rejection is turned into a probe
    assertThatThrownBy(() -> b.allow(0.0)).isInstanceOf(NotAllowedException.class);
    ticker.advance(Duration.ofMillis(999));
    assertThatThrownBy(() -> b.allow(0.0)).isInstanceOf(NotAllowedException.class);
    ticker.advance(Duration.ofMillis(1));
    b.allow(0.0);
    assertThatThrownBy(() -> b.allow(0.0)).isInstanceOf(NotAllowedException.class);
  }

  @Test
  void aRequestAdmittedByTheDrawDefersTheNextProbe() {
    SreBreaker b = SreBreaker.builder().probe(Duration.ofSeconds(1)).ticker(ticker).build();
    mark(b, 0, 1_000);
    b.allow(0.0); // probe
    ticker.advance(Duration.ofMillis(900));
    b.allow(0.99999); // admitted by the draw: serves as the probe of this interval
    ticker.advance(Duration.ofMillis(200)); // 1.1 s after the probe, 0.2 s after the admission
    assertThatThrownBy(() -> b.allow(0.0)).isInstanceOf(NotAllowedException.class);
    ticker.advance(Duration.ofMillis(800));
    b.allow(0.0);
  }

  @Test
  void withoutProbeEveryDrawBelowTheProbabilityIsRejected() {
    SreBreaker b = noProbe().build();
    mark(b, 0, 1_000);
    for (int i = 0; i < 10; i++) {
      assertThatThrownBy(() -> b.allow(0.0)).isInstanceOf(NotAllowedException.class);
      ticker.advance(Duration.ofMillis(200));
    }
  }

  // --- together: an outage and its recovery, request by request ---

  @Test
  void recoversWithinAProbeIntervalAfterAnOutage() {
    SreBreaker b = SreBreaker.builder().ticker(ticker).random(() -> 0.5).build();
    SreBreaker original =
        SreBreaker.original().ticker(ticker).random(() -> 0.5).build();
    int[] sentDuringRecovery = new int[2];
    // 100 requests per second: 10 s healthy, 10 s dead, then healthy again.
    for (int i = 0; i < 2_500; i++) {
      boolean dead = i >= 1_000 && i < 2_000;
      SreBreaker[] both = {b, original};
      for (int j = 0; j < 2; j++) {
        SreBreaker x = both[j];
        try {
          x.allow();
        } catch (NotAllowedException e) {
          x.markRejected();
          continue;
        }
        if (dead) {
          x.markFailed();
        } else {
          x.markSuccess();
          if (i >= 2_300) {
            sentDuringRecovery[j]++;
          }
        }
      }
      ticker.advance(Duration.ofMillis(10));
    }
    // From 3 s after healing on, the default breaker lets everything through; the original does
    // not yet.
    assertThat(sentDuringRecovery[0]).isEqualTo(200);
    assertThat(sentDuringRecovery[1]).isLessThan(200);
    assertThat(b.state()).isEqualTo(State.CLOSED);
  }
}
