package dev.backstop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The refinements beyond the original design, each on hand-computed cases. */
class SreBreakerKnobsTest {

  private static final double K = 1 / 0.6;

  private final FakeTicker ticker = new FakeTicker(123_456_789L);

  private static void mark(SreBreaker b, int successes, int failures) {
    for (int i = 0; i < successes; i++) {
      b.markSuccess();
    }
    for (int i = 0; i < failures; i++) {
      b.markFailed();
    }
  }

  private static void reject(SreBreaker b, int n) {
    for (int i = 0; i < n; i++) {
      b.markRejected();
    }
  }

  private SreBreaker.Builder onlyRecent() {
    return SreBreaker.builder().probe(Duration.ZERO).forgive(false).ticker(ticker);
  }

  private void advance(long millis) {
    ticker.advance(Duration.ofMillis(millis));
  }

  // --- recent: runs of failures ---

  @ParameterizedTest
  @CsvSource({
    // requests in the window, shortest significant run of failures, shortest forgiving run
    "0, 7, 10",
    "20, 7, 15",
    "50, 7, 17",
    "150, 8, 19",
    "1500, 11, 24",
    "15000, 14, 28",
  })
  void runsAreSignificantAgainstTheWindowsChances(long requests, long fail, long ok) {
    // R × 0.4^n ≤ 10 % (at least recent = 7) and R × 0.6^n ≤ 1 % (at least 3).
    SreBreaker b = SreBreaker.builder().ticker(ticker).build();
    assertThat(b.failThreshold(requests)).isEqualTo(fail);
    assertThat(b.okThreshold(requests)).isEqualTo(ok);
  }

  @Test
  void aRunTooLongToBeChanceIsJudgedOnItsOwn() {
    SreBreaker b = onlyRecent().build();
    mark(b, 150, 8); // 158 requests: a run needs 9; the whole window is far from K × accepts
    assertThat(b.snapshot()).isEqualTo(new Snapshot(158, 150, 0.0, State.CLOSED));
    b.markFailed(); // 159 requests, a run of 9: judged as 9 requests, no accept
    assertThat(b.snapshot()).isEqualTo(new Snapshot(159, 150, 9.0 / 10, State.OPEN));
    reject(b, 5); // rejections since the run began count with it: 14 requests
    assertThat(b.snapshot().probability()).isEqualTo(14.0 / 15);
    assertThat(b.snapshot().total()).isEqualTo(164);
    b.markSuccess(); // the run is over
    assertThat(b.snapshot()).isEqualTo(new Snapshot(165, 151, 0.0, State.CLOSED));
  }

  @Test
  void aFewRequestsInARowAreEnoughWhereTheOriginalNeedsAHundred() {
    SreBreaker b = onlyRecent().build();
    SreBreaker original = SreBreaker.original().ticker(ticker).build();
    for (SreBreaker x : new SreBreaker[] {b, original}) {
      mark(x, 3, 6); // a client sending a few requests per second
    }
    assertThat(b.state()).isEqualTo(State.CLOSED);
    b.markFailed();
    original.markFailed();
    assertThat(b.snapshot().probability()).isEqualTo(7.0 / 8);
    assertThat(original.state()).isEqualTo(State.CLOSED);
    assertThatThrownBy(() -> b.allow(0.0)).isInstanceOf(NotAllowedException.class);
    original.allow(0.0);
  }

  @Test
  void anIdleGapDropsAnOldRun() {
    SreBreaker b = onlyRecent().build();
    mark(b, 0, 7);
    assertThat(b.state()).isEqualTo(State.OPEN);
    advance(3_000); // nothing at all in the window
    b.allow(0.0);
    b.markFailed(); // a run of 1, not 8
    assertThat(b.snapshot()).isEqualTo(new Snapshot(1, 0, 0.0, State.CLOSED));
  }

  @Test
  void withoutRecentOnlyTheWholeWindowIsJudged() {
    SreBreaker b = onlyRecent().recent(0).build();
    mark(b, 0, 99);
    assertThat(b.state()).isEqualTo(State.CLOSED);
  }

  @Test
  void recentIsAFloorUnderTheSignificantRun() {
    SreBreaker b = onlyRecent().recent(12).build();
    mark(b, 0, 11);
    assertThat(b.state()).isEqualTo(State.CLOSED);
    b.markFailed();
    assertThat(b.snapshot().probability()).isEqualTo(12.0 / 13);
  }

  // --- probe ---

  @Test
  void oneRequestPerProbeIntervalReachesADeadBackend() {
    SreBreaker b = onlyRecent().probe(Duration.ofSeconds(1)).build();
    mark(b, 0, 1_000);
    b.allow(0.0); // the first rejection is turned into a probe
    assertThatThrownBy(() -> b.allow(0.0)).isInstanceOf(NotAllowedException.class);
    advance(999);
    assertThatThrownBy(() -> b.allow(0.0)).isInstanceOf(NotAllowedException.class);
    advance(1);
    b.allow(0.0);
    assertThatThrownBy(() -> b.allow(0.0)).isInstanceOf(NotAllowedException.class);
  }

  @Test
  void aRequestAdmittedByTheDrawDefersTheNextProbe() {
    SreBreaker b = onlyRecent().probe(Duration.ofSeconds(1)).build();
    mark(b, 0, 1_000);
    b.allow(0.0); // probe
    advance(900);
    b.allow(0.99999); // admitted by the draw: serves as the probe of this interval
    advance(200); // 1.1 s after the probe, 0.2 s after the admission
    assertThatThrownBy(() -> b.allow(0.0)).isInstanceOf(NotAllowedException.class);
    advance(800);
    b.allow(0.0);
  }

  @Test
  void aDeadSpellIsProbedSoonerWhileItIsYoung() {
    SreBreaker b = onlyRecent().probe(Duration.ofMillis(1500)).build(); // a tenth: 300 ms
    mark(b, 200, 20); // 220 requests: a run of 20 is significant, the window still has accepts
    advance(100);
    // Judged already, but not yet a dead spell: a burst of failures lasting under a tenth of the
    // window is what an overloaded backend produces, so it is not probed.
    assertThatThrownBy(() -> b.allow(0.0)).isInstanceOf(NotAllowedException.class);
    advance(200);
    b.allow(0.0); // 300 ms: a dead spell. Probe; the next one after the run's age, 300 ms
    advance(299);
    assertThatThrownBy(() -> b.allow(0.0)).isInstanceOf(NotAllowedException.class);
    advance(1);
    b.allow(0.0); // the run is 600 ms old: the next probe is 600 ms later
    advance(599);
    assertThatThrownBy(() -> b.allow(0.0)).isInstanceOf(NotAllowedException.class);
    advance(1);
    b.allow(0.0); // 1.2 s old: 1.2 s later
    advance(1_199);
    assertThatThrownBy(() -> b.allow(0.0)).isInstanceOf(NotAllowedException.class);
    advance(1);
    b.allow(0.0); // 2.4 s old: from now on the probe interval, 1.5 s
    advance(500); // 2.9 s: the run is still in the window, the next probe is at 3.9 s
    assertThatThrownBy(() -> b.allow(0.0)).isInstanceOf(NotAllowedException.class);
  }

  @Test
  void anOverloadedBackendIsNotProbed() {
    SreBreaker b = SreBreaker.builder().ticker(ticker).build();
    for (int i = 0; i < 50; i++) {
      mark(b, 1, 2); // 50 accepts among 150, never more than two failures in a row
    }
    assertThat(b.snapshot().probability()).isEqualTo((150 - K * 50) / 151);
    for (int i = 0; i < 10; i++) {
      assertThatThrownBy(() -> b.allow(0.0)).isInstanceOf(NotAllowedException.class);
      advance(250);
    }
  }

  @Test
  void withoutProbeEveryDrawBelowTheProbabilityIsRejected() {
    SreBreaker b = onlyRecent().build();
    mark(b, 0, 1_000);
    for (int i = 0; i < 10; i++) {
      assertThatThrownBy(() -> b.allow(0.0)).isInstanceOf(NotAllowedException.class);
      advance(200);
    }
  }

  // --- forgive: chains of successes ---

  /** 150 failures, then 1 000 rejections a second later; at 3.1 s only the rejections remain. */
  private SreBreaker deadForThreeSeconds() {
    SreBreaker b = SreBreaker.builder().ticker(ticker).build();
    mark(b, 0, 150);
    advance(1_000);
    reject(b, 1_000);
    advance(2_100);
    // The run of 150 failures and the 1 000 rejections since: (150 + 1 000) / (1 150 + 1).
    assertThat(b.snapshot()).isEqualTo(new Snapshot(1_000, 0, 1_150.0 / 1_151, State.OPEN));
    return b;
  }

  @Test
  void aChainOfSuccessesSpreadOverATenthOfTheWindowForgivesEveryRejection() {
    SreBreaker b = deadForThreeSeconds();
    b.allow(0.0); // a probe
    b.markSuccess(); // the backend is back: the next request goes at once
    for (int i = 1; i < 15; i++) {
      advance(20);
      b.allow(0.0);
      b.markSuccess();
    }
    // 15 successes in a row is enough against 15 requests (15 × 0.6^15 < 1 %), but they span
    // only 280 ms of the 300 ms needed: the rejections still count.
    assertThat(b.snapshot().total()).isEqualTo(1_015);
    advance(20);
    b.allow(0.0);
    b.markSuccess(); // 300 ms: forgiven
    assertThat(b.snapshot()).isEqualTo(new Snapshot(16, 16, 0.0, State.CLOSED));
    b.markRejected(); // rejections after the forgiveness count again
    assertThat(b.snapshot().total()).isEqualTo(17);
  }

  @Test
  void aFailureEndsTheChain() {
    SreBreaker b = deadForThreeSeconds();
    b.allow(0.0);
    b.markSuccess();
    b.allow(0.0); // followed up at once
    b.markFailed(); // the backend is not back after all
    assertThatThrownBy(() -> b.allow(0.0)).isInstanceOf(NotAllowedException.class);
    assertThat(b.snapshot().total()).isEqualTo(1_002);
  }

  @Test
  void anOverloadedBackendKeepsItsRejectionsCounted() {
    SreBreaker b = SreBreaker.builder().ticker(ticker).build();
    for (int i = 0; i < 50; i++) {
      mark(b, 1, 2);
    }
    reject(b, 100);
    for (int i = 0; i < 10; i++) {
      advance(40);
      b.markSuccess(); // 10 in a row over 400 ms: not enough against 250 requests
    }
    assertThat(b.snapshot().total()).isEqualTo(260);
    assertThat(b.snapshot().accepts()).isEqualTo(60);
    assertThatThrownBy(() -> b.allow(0.0)).isInstanceOf(NotAllowedException.class);
  }

  @Test
  void withoutForgiveRejectionsCountUntilTheyLeaveTheWindow() {
    SreBreaker b = SreBreaker.builder().forgive(false).ticker(ticker).build();
    mark(b, 0, 200);
    reject(b, 100);
    for (int i = 0; i < 30; i++) {
      advance(20);
      b.markSuccess();
    }
    assertThat(b.snapshot().total()).isEqualTo(330);
    advance(3_000);
    assertThat(b.snapshot().total()).isZero();
  }

  // --- together: an outage and its recovery, request by request ---

  @Test
  void recoversWithinAProbeIntervalAfterAnOutage() {
    SreBreaker b = SreBreaker.builder().ticker(ticker).random(() -> 0.5).build();
    SreBreaker original = SreBreaker.original().ticker(ticker).random(() -> 0.5).build();
    int[] sentWhileDead = new int[2];
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
          sentWhileDead[j]++;
        } else {
          x.markSuccess();
          if (i >= 2_300) {
            sentDuringRecovery[j]++;
          }
        }
      }
      ticker.advance(Duration.ofMillis(10));
    }
    // The default sheds the dead backend within a few requests; the original only once 40 % of
    // its window has failed.
    assertThat(sentWhileDead[0]).isLessThan(50);
    assertThat(sentWhileDead[1]).isGreaterThan(150);
    // From 3 s after healing on, the default lets everything through; the original does not yet.
    assertThat(sentDuringRecovery[0]).isEqualTo(200);
    assertThat(sentDuringRecovery[1]).isLessThan(200);
    assertThat(b.state()).isEqualTo(State.CLOSED);
  }
}
