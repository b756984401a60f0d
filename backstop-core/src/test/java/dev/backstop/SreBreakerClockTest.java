package dev.backstop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * A breaker on a coarse clock: a busy breaker reads the clock's field instead of its ticker, and
 * every guarantee of the ticker holds within one tick. The clock is a {@link SharedClock} with no
 * thread, ticked by hand, on a fake ticker that counts its reads.
 */
class SreBreakerClockTest {

  private static final long MS = 1_000_000;
  private static final long TICK = SharedClock.TICK_NANOS;
  /** Calls per millisecond that make a breaker busy (measured on this machine: 16 to 1024). */
  private static final int BUSY = (int) SharedClock.BUSY_CALLS_PER_MS;

  /** A fake ticker that counts its reads; starts at a multiple of 4, as the clock's readings. */
  private static final class CountingTicker implements Ticker {
    final AtomicLong nanos = new AtomicLong(-7_123_456_788L);
    final AtomicLong reads = new AtomicLong();

    @Override
    public long read() {
      reads.incrementAndGet();
      return nanos.get();
    }

    void advance(long n) {
      nanos.addAndGet(n);
    }
  }

  private final CountingTicker source = new CountingTicker();
  private final SharedClock clock = SharedClock.manual(source);

  /** Moves time and lets the clock publish it, as its thread does every tick. */
  private void advance(long nanos) {
    source.advance(nanos);
    clock.tick();
  }

  /** The original rule with the default decision cache (no probe, no chain: exact counts). */
  private SreBreaker plain() {
    return SreBreaker.builder().recent(0).probe(Duration.ZERO).forgive(false).ticker(clock).build();
  }

  /**
   * Makes {@code b} busy: {@code 2 ×} {@link SharedClock#BUSY_CALLS_PER_MS} successful calls within a
   * millisecond, then a fresh decision that finds the pace.
   */
  private void makeBusy(SreBreaker b) {
    for (int i = 0; i < 2 * BUSY; i++) {
      b.allow(0.5);
      b.markSuccess();
    }
    advance(MS);
    b.allow(0.5);
    b.markSuccess();
    assertThat(onClock(b)).isTrue();
  }

  /** Whether {@code b} reads the clock, not the ticker: a healthy call reads the ticker or not. */
  private boolean onClock(SreBreaker b) {
    long before = source.reads.get();
    b.markSuccess();
    b.markRejected();
    // undo nothing: a success and a rejection change no decision these tests make
    return source.reads.get() == before;
  }

  @Test
  void aBusyBreakerReadsNoTickerOnItsHealthyPath() {
    SreBreaker b = SreBreaker.builder().ticker(clock).build();
    makeBusy(b);
    long before = source.reads.get();
    for (int i = 0; i < 10_000; i++) {
      b.allow();
      b.markSuccess();
    }
    assertThat(source.reads.get()).isEqualTo(before);
    // 10 000 calls within one tick: one decision, no clock read; the next tick, one more.
    advance(TICK);
    long ticked = source.reads.get();
    for (int i = 0; i < 10_000; i++) {
      b.allow();
      b.markSuccess();
    }
    assertThat(source.reads.get()).isEqualTo(ticked);
    // makeBusy's 2 × BUSY + 1, onClock's 1, and these 20 000.
    assertThat(b.snapshot().accepts()).isEqualTo(2 * BUSY + 2 + 20_000);
  }

  @Test
  void aQuietBreakerReadsItsTickerOnEveryCall() {
    SreBreaker b = SreBreaker.builder().ticker(clock).build();
    for (int i = 0; i < 1_000; i++) {
      long before = source.reads.get();
      b.allow(0.5);
      b.markSuccess();
      assertThat(source.reads.get() - before).isEqualTo(2);
      advance(MS / (BUSY / 2)); // half the busy pace
    }
    assertThat(onClock(b)).isFalse();
  }

  @Test
  void aDecisionIsReusedUntilTheClockTicks() {
    SreBreaker b = plain();
    makeBusy(b);
    b.allow(0.0); // closed: every call succeeded
    for (int i = 0; i < 3 * BUSY; i++) {
      b.markFailed();
    }
    b.allow(0.0); // the same tick: the closed decision holds
    advance(0); // a tick that finds the source where it was: the reading does not move
    b.allow(0.0);
    advance(TICK);
    // 3 × BUSY failures against 2 × BUSY + 2 successes, K = 1 / 0.6: the rule rejects.
    assertThatThrownBy(() -> b.allow(0.0)).isInstanceOf(NotAllowedException.class);
  }

  @Test
  void theFirstCallOfEveryTickDecidesOnTheCountsOfThatTick() {
    SreBreaker b = plain();
    makeBusy(b);
    int opened = -1;
    for (int tick = 0; tick < 10; tick++) {
      for (int i = 0; i < BUSY; i++) {
        b.markFailed(); // failures arrive between ticks, fast enough to keep the breaker busy
      }
      advance(TICK);
      boolean open = b.snapshot().state() == State.OPEN; // a fresh decision, at this tick
      boolean rejected = false;
      try {
        b.allow(0.0);
      } catch (NotAllowedException e) {
        rejected = true;
      }
      assertThat(rejected).as("tick %d", tick).isEqualTo(open);
      if (open && opened < 0) {
        opened = tick;
      }
    }
    // Closed at first (every call so far succeeded), open once the failures outweigh the accepts.
    assertThat(opened).isPositive();
  }

  @Test
  void afterAnIdleGapABusyBreakerBehavesAsANewOne() {
    SreBreaker b = plain();
    makeBusy(b);
    for (int i = 0; i < 3 * BUSY; i++) {
      b.allow(1.0);
      b.markFailed();
    }
    advance(TICK);
    assertThatThrownBy(() -> b.allow(0.0)).isInstanceOf(NotAllowedException.class);
    advance(10_000 * MS);
    b.allow(0.0); // a new breaker's decision: nothing in the window
    assertThat(b.snapshot()).isEqualTo(new Snapshot(0, 0, 0.0, State.CLOSED));
    assertThat(onClock(b)).isFalse(); // and, called once in ten seconds, it reads its ticker again
  }

  @Test
  void afterAnIdleGapOnAParkedClockTheBreakerReadsTheTickerAtOnce() {
    SreBreaker b = plain();
    makeBusy(b);
    for (int i = 0; i < 3 * BUSY; i++) {
      b.markFailed();
    }
    clock.park(); // nobody read it: its thread stops ticking, the reading stays where it was
    source.advance(10_000 * MS);
    b.allow(0.0); // the clock reads the ticker when parked: ten seconds later, the window is empty
    assertThat(b.snapshot().total()).isZero();
    assertThat(clock.state()).isEqualTo(SharedClock.RUNNING);
  }

  @Test
  void resultsReportedLateCountInTheBucketOfTheirOwnTick() {
    SreBreaker b = plain();
    makeBusy(b); // at 1 ms: 2 × BUSY + 2 accepts, all in the first bucket [0, 300 ms)
    long start = source.nanos.get() - MS;
    for (int i = 0; i < 150; i++) {
      b.allow(1.0);
    }
    advance(2_900 * MS - MS);
    for (int i = 0; i < 150; i++) {
      b.markFailed(); // all time out at 2.9 s, with no allow() in between
    }
    // They belong to the bucket [2.7 s, 3.0 s): in the window until 5.7 s; the accepts of the
    // first bucket leave at 3 s.
    advance(start + 5_699 * MS - source.nanos.get());
    assertThat(b.snapshot().total()).isEqualTo(150);
    advance(MS);
    assertThat(b.snapshot().total()).isZero();
  }

  @Test
  void aBreakerGoesBackToItsTickerWhenCallsSlowDown() {
    SreBreaker b = SreBreaker.builder().ticker(clock).build();
    makeBusy(b);
    for (int i = 0; i < 5; i++) {
      advance(MS);
      b.allow(0.5); // one call a millisecond: below the pace that keeps it on the clock
      b.markSuccess();
    }
    assertThat(onClock(b)).isFalse();
  }

  @Test
  void aBusyBreakerLeavesAClockThatCouldNotStartItsThread() {
    SreBreaker b = SreBreaker.builder().ticker(clock).build();
    makeBusy(b);
    assertThat(b.onCoarseClock()).isTrue();
    // As when no thread can be started: every read of the clock reads the ticker, so every call
    // on the clock would be a fresh decision.
    clock.fail();
    for (int i = 0; i < 2 * BUSY; i++) {
      b.allow(0.5);
      b.markSuccess();
    }
    source.advance(MS);
    b.allow(0.5); // a fresh decision, at the pace of a busy breaker, finds the clock broken
    assertThat(b.onCoarseClock()).isFalse();
    // And it stays on its ticker, however busy.
    for (int i = 0; i < 2 * BUSY; i++) {
      b.allow(0.5);
      b.markSuccess();
    }
    source.advance(MS);
    b.allow(0.5);
    assertThat(b.onCoarseClock()).isFalse();
  }

  @Test
  void theOriginalAndShortBucketsAlwaysReadTheTicker() {
    SreBreaker original = SreBreaker.original().ticker(clock).build();
    SreBreaker fine = SreBreaker.builder().window(Duration.ofMillis(100)).ticker(clock).build();
    for (SreBreaker b : new SreBreaker[] {original, fine}) {
      for (int i = 0; i < 2 * BUSY; i++) {
        b.allow(0.5);
        b.markSuccess();
      }
      advance(MS);
      b.allow(0.5);
      assertThat(onClock(b)).isFalse();
    }
  }

  @Test
  void concurrentCallsWhileTheBreakerMovesBetweenTickerAndClockLoseNoCount() throws Exception {
    SreBreaker b = SreBreaker.builder().window(Duration.ofDays(365)).ticker(clock).build();
    int threads = 4;
    int perThread = 50_000;
    AtomicBoolean done = new AtomicBoolean();
    Together.run(
        java.util.List.of(
            () -> {
              Together.run(
                  threads,
                  id -> {
                    for (int i = 0; i < perThread; i++) {
                      b.allow(0.5);
                      b.markSuccess();
                    }
                  });
              done.set(true);
              return null;
            },
            () -> {
              // Time moves in steps of a tick, sometimes two seconds: busy, quiet, busy again.
              for (int i = 0; !done.get(); i++) {
                advance(i % 500 == 0 ? 2_000 * MS : TICK);
                Thread.onSpinWait();
              }
              return null;
            }));
    assertThat(b.snapshot().accepts()).isEqualTo((long) threads * perThread);
  }
}
