package dev.backstop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class SreBreakerTest {

  private final FakeTicker ticker = new FakeTicker();

  private SreBreaker original() {
    return SreBreaker.original().ticker(ticker).build();
  }

  private static void mark(SreBreaker b, int successes, int failures) {
    for (int i = 0; i < successes; i++) {
      b.markSuccess();
    }
    for (int i = 0; i < failures; i++) {
      b.markFailed();
    }
  }

  // --- the formula ---

  @ParameterizedTest
  @CsvSource({
    // total, accepts, minimum, k, expected (-1 = closed)
    "99, 0, 100, 2, -1",
    "100, 0, 100, 2, 0.9900990099009901",
    "100, 50, 100, 2, 0.0",
    "100, 51, 100, 2, -1",
    "200, 60, 100, 2, 0.39800995024875624",
    "1000, 500, 100, 1.25, 0.37462537462537465",
    "0, 0, 0, 2, 0.0",
  })
  void judgeFollowsTheSreRule(long total, long accepts, long minimum, double k, double expected) {
    assertThat(SreBreaker.judge(total, accepts, minimum, k)).isEqualTo(expected);
  }

  @Test
  void belowTheMinimumNothingIsRejected() {
    SreBreaker b = original();
    mark(b, 0, 99);
    assertThat(b.state()).isEqualTo(State.CLOSED);
    assertThat(b.snapshot().probability()).isZero();
    b.allow(0.0); // the smallest draw is not rejected while closed
  }

  @Test
  void opensWhenTotalReachesKTimesAccepts() {
    SreBreaker b = original(); // K = 1 / 0.6
    mark(b, 60, 39); // total 99 < 100
    assertThat(b.state()).isEqualTo(State.CLOSED);
    b.markFailed(); // total 100 = K * 60 exactly: open, probability 0
    assertThat(b.snapshot()).isEqualTo(new Snapshot(100, 60, 0.0, State.OPEN));
    b.markFailed();
    Snapshot s = b.snapshot();
    assertThat(s.state()).isEqualTo(State.OPEN);
    assertThat(s.probability()).isCloseTo((101 - 100.0) / 102, offset(1e-12));
  }

  @Test
  void rejectionProbabilityMatchesHandComputedCases() {
    SreBreaker b = original();
    mark(b, 30, 170); // total 200, accepts 30: (200 - 50) / 201
    double p = 150.0 / 201;
    assertThat(b.snapshot().probability()).isCloseTo(p, offset(1e-12));
    b.allow(p + 1e-9); // a draw just above p goes through
    assertThatThrownBy(() -> b.allow(p - 1e-9)).isInstanceOf(NotAllowedException.class);
    assertThatThrownBy(() -> b.allow(0.0)).isInstanceOf(NotAllowedException.class);
  }

  @Test
  void observedRejectionShareMatchesTheFormula() {
    SreBreaker b = SreBreaker.original().request(0).ticker(ticker).build();
    mark(b, 200, 800); // total 1000, accepts 200: p = (1000 - 333.33) / 1001
    double p = (1000 - 200 / 0.6) / 1001;
    // Rejections are not marked, so the window and p stay fixed for the whole experiment.
    int rejected = 0;
    int n = 100_000;
    for (int i = 0; i < n; i++) {
      try {
        b.allow();
      } catch (NotAllowedException e) {
        rejected++;
      }
    }
    // 5 standard deviations of a binomial share at n = 100 000 is about 0.0075.
    assertThat(rejected / (double) n).isCloseTo(p, offset(0.0075));
  }

  @Test
  void originalCountsRejectionsAsFailures() {
    SreBreaker b = original();
    mark(b, 0, 100);
    for (int i = 0; i < 50; i++) {
      b.markRejected();
    }
    assertThat(b.snapshot().total()).isEqualTo(150);
    assertThat(b.snapshot().accepts()).isZero();
  }

  @Test
  void rejectionThrowsTheBreakersNamedException() {
    SreBreaker b = SreBreaker.original().name("users.get").ticker(ticker).build();
    mark(b, 0, 200);
    assertThatThrownBy(() -> b.allow(0.0))
        .isInstanceOfSatisfying(
            NotAllowedException.class,
            e -> {
              assertThat(e.operation()).isEqualTo("users.get");
              assertThat(e.code()).isEqualTo(503);
              assertThat(e.reason()).isEqualTo("CIRCUITBREAKER");
              assertThat(e.getMessage()).isEqualTo("request failed due to circuit breaker triggered");
              assertThat(e.getStackTrace()).isEmpty();
            });
  }

  // --- the window ---

  @Test
  void countsLeaveTheWindowBucketByBucket() {
    SreBreaker b = original(); // 3 s in 10 buckets of 300 ms
    for (int i = 0; i < 10; i++) {
      mark(b, i + 1, 0); // bucket i holds i + 1 accepts
      ticker.advance(Duration.ofMillis(300));
      b.state(); // the breaker rotates when it is read
    }
    // All 10 buckets have passed; the current bucket (the 11th) is empty.
    // The window now holds buckets 1..9 (bucket 0 has left): 2 + 3 + ... + 10 = 54.
    assertThat(b.snapshot().accepts()).isEqualTo(54);
    ticker.advance(Duration.ofMillis(300));
    assertThat(b.snapshot().accepts()).isEqualTo(54 - 2);
    ticker.advance(Duration.ofMillis(900));
    assertThat(b.snapshot().accepts()).isEqualTo(54 - 2 - 3 - 4 - 5);
  }

  @Test
  void anIdleGapLongerThanTheWindowEmptiesIt() {
    SreBreaker b = original();
    mark(b, 10, 300);
    assertThat(b.state()).isEqualTo(State.OPEN);
    ticker.advance(Duration.ofMillis(3_001));
    assertThat(b.snapshot()).isEqualTo(new Snapshot(0, 0, 0.0, State.CLOSED));
    b.allow(0.0);
  }

  @Test
  void aMarkJustBeforeTheWindowEndsStillCounts() {
    SreBreaker b = original();
    mark(b, 0, 150);
    ticker.advance(Duration.ofMillis(2_999));
    assertThat(b.snapshot().total()).isEqualTo(150);
    ticker.advance(Duration.ofMillis(1));
    assertThat(b.snapshot().total()).isZero();
  }

  @ParameterizedTest
  @ValueSource(longs = {Long.MIN_VALUE, -1, 0, Long.MAX_VALUE - 1_000_000_000L})
  void worksAtAnyTickerOrigin(long origin) {
    FakeTicker t = new FakeTicker(origin);
    SreBreaker b = SreBreaker.original().ticker(t).build();
    mark(b, 0, 150);
    assertThat(b.state()).isEqualTo(State.OPEN);
    t.advance(Duration.ofMillis(1_500)); // crosses Long.MAX_VALUE for the last origin
    assertThat(b.snapshot().total()).isEqualTo(150);
    t.advance(Duration.ofMillis(1_500));
    assertThat(b.snapshot().total()).isZero();
    assertThat(b.state()).isEqualTo(State.CLOSED);
  }

  // --- concurrency ---

  @Test
  void concurrentMarksAreNeverLost() throws Exception {
    SreBreaker b = SreBreaker.original().ticker(ticker).build();
    int threads = 8;
    int perThread = 50_000;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<?>> futures = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int id = t;
      futures.add(
          pool.submit(
              () -> {
                start.await();
                for (int i = 0; i < perThread; i++) {
                  if ((i + id) % 3 == 0) {
                    b.markFailed();
                  } else {
                    b.markSuccess();
                  }
                  b.state();
                }
                return null;
              }));
    }
    start.countDown();
    for (Future<?> f : futures) {
      f.get(60, TimeUnit.SECONDS);
    }
    pool.shutdown();
    long failures = 0;
    for (int t = 0; t < threads; t++) {
      for (int i = 0; i < perThread; i++) {
        if ((i + t) % 3 == 0) {
          failures++;
        }
      }
    }
    Snapshot s = b.snapshot();
    assertThat(s.total()).isEqualTo((long) threads * perThread);
    assertThat(s.accepts()).isEqualTo((long) threads * perThread - failures);
  }

  @Test
  void concurrentMarksAcrossBucketRotationsAreNeverLost() throws Exception {
    SreBreaker b = SreBreaker.original().window(Duration.ofHours(1)).ticker(ticker).build();
    int threads = 4;
    int perThread = 20_000;
    ExecutorService pool = Executors.newFixedThreadPool(threads + 1);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<?>> futures = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      futures.add(
          pool.submit(
              () -> {
                start.await();
                for (int i = 0; i < perThread; i++) {
                  b.allow();
                  b.markSuccess();
                }
                return null;
              }));
    }
    // Another thread moves time by one bucket at a time, well inside the one-hour window.
    Future<?> clock =
        pool.submit(
            () -> {
              start.await();
              for (int i = 0; i < 5; i++) {
                ticker.advance(Duration.ofMinutes(1));
                b.state();
              }
              return null;
            });
    start.countDown();
    for (Future<?> f : futures) {
      f.get(60, TimeUnit.SECONDS);
    }
    clock.get(60, TimeUnit.SECONDS);
    pool.shutdown();
    assertThat(b.snapshot().accepts()).isEqualTo((long) threads * perThread);
  }

  @Test
  void aDecisionIsReusedForLessThanAMillisecondAndNeverAtTheSameTime() {
    // The original's settings, but not from original(): the default decision cache applies.
    SreBreaker b =
        SreBreaker.builder().recent(0).probe(Duration.ZERO).forgive(false).ticker(ticker).build();
    b.allow(0.0); // closed: nothing in the window
    mark(b, 0, 200);
    assertThatThrownBy(() -> b.allow(0.0)).isInstanceOf(NotAllowedException.class); // same time
    ticker.advance(Duration.ofNanos(999_999));
    // Younger than 1 ms: the decision made at the same time as the marks above is reused.
    assertThatThrownBy(() -> b.allow(0.0)).isInstanceOf(NotAllowedException.class);
    ticker.advance(Duration.ofSeconds(3));
    b.allow(0.0); // a fresh decision: the window has passed
    mark(b, 0, 200);
    ticker.advance(Duration.ofNanos(500_000));
    b.allow(0.0); // the closed decision of 0.5 ms ago is reused
    ticker.advance(Duration.ofNanos(500_000));
    assertThatThrownBy(() -> b.allow(0.0)).isInstanceOf(NotAllowedException.class);
    assertThat(b.snapshot().state()).isEqualTo(State.OPEN); // snapshots are always fresh
  }

  @Test
  void theOriginalDecidesAfreshOnEveryCall() {
    SreBreaker b = original();
    mark(b, 0, 99);
    int allowed = 0;
    int firstRejected = -1;
    for (int i = 1; i <= 500; i++) {
      try {
        b.allow(0.0);
        allowed++;
        b.markFailed();
      } catch (NotAllowedException e) {
        b.markRejected();
        if (firstRejected < 0) {
          firstRejected = 99 + i;
        }
      }
      ticker.advance(Duration.ofNanos(1_000)); // 500 calls in half a millisecond
    }
    // The 100th request goes ahead (99 < 100); from the 101st on, total >= 100 with no accept.
    assertThat(allowed).isEqualTo(1);
    assertThat(firstRejected).isEqualTo(101);
    assertThat(b.snapshot()).isEqualTo(new Snapshot(599, 0, 599.0 / 600, State.OPEN));
  }

  @Test
  void resultsReportedAfterAnIdleGapCountWhenTheyHappen() {
    SreBreaker b = original();
    for (int i = 0; i < 150; i++) {
      b.allow(0.0);
    }
    ticker.advance(Duration.ofMillis(2_900));
    for (int i = 0; i < 150; i++) {
      b.markFailed(); // all time out, with no allow() in between
    }
    ticker.advance(Duration.ofMillis(100));
    assertThat(b.snapshot()).isEqualTo(new Snapshot(150, 0, 150.0 / 151, State.OPEN));
    // They belong to the bucket [2.7 s, 3.0 s): in the window until 5.7 s, as in the original.
    ticker.advance(Duration.ofMillis(2_699));
    assertThat(b.snapshot().total()).isEqualTo(150);
    ticker.advance(Duration.ofMillis(1));
    assertThat(b.snapshot()).isEqualTo(new Snapshot(0, 0, 0.0, State.CLOSED));
  }

  @Test
  void aSnapshotIsNeverNegativeWhileRejectionsAreForgiven() throws Exception {
    // One thread drives outages and recoveries (each recovery forgives thousands of rejections)
    // while others take snapshots and decide, with a listener, whose events take snapshots too.
    java.util.concurrent.atomic.AtomicReference<Throwable> failure =
        new java.util.concurrent.atomic.AtomicReference<>();
    BreakerListener listener = new BreakerListener() {};
    SreBreaker b = SreBreaker.builder().name("x").listener(listener).ticker(ticker).build();
    int readers = 3;
    java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
    List<java.util.concurrent.Callable<Void>> tasks = new ArrayList<>();
    for (int t = 0; t < readers; t++) {
      tasks.add(
          () -> {
            while (!done.get()) {
              try {
                Snapshot s = b.snapshot();
                assertThat(s.total()).isNotNegative();
                assertThat(s.accepts()).isBetween(0L, s.total());
                try {
                  b.allow();
                } catch (NotAllowedException e) {
                  // shed
                }
              } catch (Throwable e) {
                failure.compareAndSet(null, e);
              }
            }
            return null;
          });
    }
    tasks.add(
        () -> {
          try {
            for (int round = 0; round < 5_000; round++) {
              mark(b, 0, 20);
              for (int i = 0; i < 50; i++) {
                b.markRejected();
              }
              for (int i = 0; i < 20; i++) {
                ticker.advance(Duration.ofMillis(20));
                b.markSuccess(); // a chain that forgives every rejection
              }
              ticker.advance(Duration.ofSeconds(4));
            }
          } finally {
            done.set(true);
          }
          return null;
        });
    Together.run(tasks);
    assertThat(failure.get()).isNull();
  }

  // --- builder ---

  @Test
  void defaults() {
    assertThat(SreBreaker.create().settings())
        .isEqualTo(
            new SreBreaker.Settings(
                0.6, 100, Duration.ofSeconds(3), 10, 7, Duration.ofMillis(1500), true));
    assertThat(SreBreaker.builder().settings()).isEqualTo(SreBreaker.create().settings());
    assertThat(SreBreaker.original().build().settings())
        .isEqualTo(
            new SreBreaker.Settings(0.6, 100, Duration.ofSeconds(3), 10, 0, Duration.ZERO, false));
  }

  @Test
  void buildDoesNotChangeTheBuilder() {
    SreBreaker.Builder builder = SreBreaker.builder().success(0.5);
    SreBreaker a = builder.build();
    builder.success(0.9);
    assertThat(a.settings().success()).isEqualTo(0.5);
    assertThat(builder.build().settings().success()).isEqualTo(0.9);
  }

  @Test
  void badValuesAreRejectedWithTheirNameAndValue() {
    SreBreaker.Builder b = SreBreaker.builder();
    assertThatThrownBy(() -> b.success(1.5))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("success must be in [0.01, 1], was 1.5");
    assertThatThrownBy(() -> b.success(0))
        .hasMessage("success must be in [0.01, 1], was 0.0");
    assertThatThrownBy(() -> b.success(Double.NaN))
        .hasMessage("success must be in [0.01, 1], was NaN");
    assertThatThrownBy(() -> b.success(Double.MIN_VALUE)) // K would be infinite
        .hasMessage("success must be in [0.01, 1], was 4.9E-324");
    assertThatThrownBy(() -> b.request(-1)).hasMessage("request must be >= 0, was -1");
    assertThatThrownBy(() -> b.window(Duration.ZERO)).hasMessage("window must be > 0, was PT0S");
    assertThatThrownBy(() -> b.window(Duration.ofSeconds(-1)))
        .hasMessage("window must be > 0, was PT-1S");
    assertThatThrownBy(() -> b.window(Duration.ofDays(366)))
        .hasMessage("window must be at most 365 days, was PT8784H");
    assertThatThrownBy(() -> b.bucket(0)).hasMessage("bucket must be in [1, 1000], was 0");
    assertThatThrownBy(() -> b.bucket(Integer.MAX_VALUE))
        .hasMessage("bucket must be in [1, 1000], was 2147483647");
    assertThatThrownBy(() -> b.recent(-1)).hasMessage("recent must be in [0, 1000], was -1");
    assertThatThrownBy(() -> b.recent(1001)).hasMessage("recent must be in [0, 1000], was 1001");
    assertThatThrownBy(() -> b.probe(Duration.ofMillis(-5)))
        .hasMessage("probe must be >= 0, was PT-0.005S");
    assertThatThrownBy(() -> b.window(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("window");
    assertThatThrownBy(() -> b.ticker(null)).hasMessage("ticker");
    assertThatThrownBy(() -> b.listener(null)).hasMessage("listener");
    assertThatThrownBy(() -> b.name(null)).hasMessage("name");
    assertThatThrownBy(() -> SreBreaker.builder().window(Duration.ofNanos(5)).bucket(10).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("window must be at least bucket (10) nanoseconds, was PT0.000000005S");
  }

  @Test
  void extremeButValidValuesBuildWorkingBreakers() {
    // One bucket, with every other option at its default.
    SreBreaker one = SreBreaker.builder().bucket(1).ticker(ticker).build();
    assertThat(one.settings().bucket()).isEqualTo(1);
    one.allow(0.0);
    // The whole window can never be judged; one failure is not a run worth judging.
    SreBreaker never = SreBreaker.builder().request(Long.MAX_VALUE).recent(2).ticker(ticker).build();
    never.markFailed();
    for (int i = 0; i < 100; i++) {
      never.allow(0.0);
    }
    assertThat(never.state()).isEqualTo(State.CLOSED);
    // K = 100: the backend must accept 1 %.
    SreBreaker lenient = SreBreaker.original().success(0.01).ticker(ticker).build();
    mark(lenient, 1, 99);
    assertThat(lenient.snapshot()).isEqualTo(new Snapshot(100, 1, 0.0, State.OPEN));
    SreBreaker most = SreBreaker.builder().bucket(1000).ticker(ticker).build();
    mark(most, 0, 100);
    assertThat(most.state()).isEqualTo(State.OPEN);
  }

  @Test
  void aListenerNeedsAName() {
    BreakerListener named =
        new BreakerListener() {
          @Override
          public String toString() {
            return "metrics";
          }
        };
    assertThatThrownBy(() -> SreBreaker.builder().listener(named).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("name must be set with a listener, was null with listener metrics");
    assertThat(SreBreaker.builder().listener(named).name("a").build()).isNotNull();
  }

  @Test
  void toStringShowsNameAndState() {
    SreBreaker b = SreBreaker.original().name("orders").ticker(ticker).build();
    mark(b, 10, 140);
    assertThat(b.toString()).isEqualTo("SreBreaker[orders] OPEN (total=150, accepts=10, rejecting 88.3%)");
  }
}
