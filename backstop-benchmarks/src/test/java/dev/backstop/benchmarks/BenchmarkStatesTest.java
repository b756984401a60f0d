package dev.backstop.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.backstop.SreBreaker;
import dev.backstop.State;
import dev.backstop.Ticker;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The benchmarks' states are what their names say, checked once outside JMH. */
class BenchmarkStatesTest {

  private final BackstopBenchmarks backstop = new BackstopBenchmarks();
  private final Alternatives alternatives = new Alternatives();

  @Test
  void sheddingBreakerRejectsNearlyEveryCallAfterSetup() {
    BackstopBenchmarks.Shedding shedding = new BackstopBenchmarks.Shedding();
    shedding.fill();

    assertThat(shedding.breaker.state()).isEqualTo(State.OPEN);
    assertThat(BackstopBenchmarks.rejectShare(shedding.breaker, 10_000)).isGreaterThan(0.99);
    for (int i = 0; i < 1_000; i++) {
      backstop.shed(shedding);
    }
    shedding.stillShedding();
  }

  /**
   * However many calls fit in the lifetime of one decision: a ticker that moves 10 ns per call is a
   * machine about five times this one, where the first decision, made on an empty window, lets 100
   * 000 calls through; one that moves 1 µs is a slow one. A fixed number of calls left the first
   * kind with a breaker that rejected nothing yet.
   */
  @Test
  void sheddingSetupWaitsForRejectionsHoweverManyCallsFitInOneDecision() {
    for (long nanosPerCall : new long[] {10, 1_000}) {
      SreBreaker breaker = SreBreaker.builder().ticker(stepping(nanosPerCall)).build();
      BackstopBenchmarks.driveToShedding(breaker, BackstopBenchmarks.SHEDDING_WITHIN);

      assertThat(BackstopBenchmarks.rejectShare(breaker, 10_000))
          .as("%d ns per call", nanosPerCall)
          .isGreaterThanOrEqualTo(BackstopBenchmarks.MIN_REJECT_SHARE);
    }
  }

  @Test
  void sheddingSetupGivesUpLoudlyOnABreakerThatNeverRejects() {
    SreBreaker neverRejects = SreBreaker.builder().request(Integer.MAX_VALUE).recent(0).build();

    assertThatThrownBy(
            () -> BackstopBenchmarks.driveToShedding(neverRejects, Duration.ofMillis(20)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith(
            "shed benchmark's breaker must reject at least 0.99 of calls after filling,"
                + " rejected 0.0: ");
  }

  /** A ticker that moves {@code step} ns on every read, from an odd negative origin. */
  private static Ticker stepping(long step) {
    AtomicLong now = new AtomicLong(-7_777_777_777L);
    return () -> now.addAndGet(step);
  }

  @Test
  void sheddingCheckFailsLoudlyOnABreakerThatLetsCallsThrough() {
    SreBreaker neverRejects = SreBreaker.builder().request(Integer.MAX_VALUE).recent(0).build();

    assertThatThrownBy(() -> BackstopBenchmarks.checkShedding(neverRejects, "now"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith(
            "shed benchmark's breaker must reject at least 0.99 of calls now, rejected 0.0: ");
  }

  @Test
  void failingBreakerStaysClosedWhateverFails() {
    BackstopBenchmarks.Failing failing = new BackstopBenchmarks.Failing();
    for (int i = 0; i < 10_000; i++) {
      backstop.failed(failing);
    }

    assertThat(failing.breaker.snapshot().total()).isEqualTo(10_000);
    assertThat(failing.breaker.state()).isEqualTo(State.CLOSED);
  }

  @Test
  void healthyPathsStayClosedAndCount() throws Exception {
    BackstopBenchmarks.Healthy healthy = new BackstopBenchmarks.Healthy();
    BackstopBenchmarks.Grouped grouped = new BackstopBenchmarks.Grouped();
    grouped.createKey();
    BackstopBenchmarks.Middleware middleware = new BackstopBenchmarks.Middleware();
    for (int i = 0; i < 1_000; i++) {
      backstop.healthy(healthy);
      assertThat(backstop.call(middleware)).isEqualTo("ok");
    }

    assertThat(healthy.breaker.snapshot().accepts()).isEqualTo(1_000);
    assertThat(backstop.groupGet(grouped)).isSameAs(grouped.group.get("users.get"));
    assertThat(middleware.backstop.snapshot("users.get").accepts()).isEqualTo(1_000);
  }

  @Test
  void alternativesGrantEveryPermitOnTheHealthyPath() {
    Alternatives.Resilience4jDefault r4j = new Alternatives.Resilience4jDefault();
    Alternatives.Resilience4jTimeBased r4jTime = new Alternatives.Resilience4jTimeBased();
    Alternatives.FailsafeDefault failsafe = new Alternatives.FailsafeDefault();
    Alternatives.FailsafeTimeBased failsafeTime = new Alternatives.FailsafeTimeBased();
    for (int i = 0; i < 1_000; i++) {
      alternatives.resilience4jDefault(r4j);
      alternatives.resilience4jTimeBased(r4jTime);
      assertThat(alternatives.failsafeDefault(failsafe)).isTrue();
      assertThat(alternatives.failsafeTimeBased(failsafeTime)).isTrue();
    }

    assertThat(r4j.breaker.getMetrics().getNumberOfSuccessfulCalls()).isEqualTo(100);
    assertThat(r4jTime.breaker.getMetrics().getNumberOfSuccessfulCalls()).isEqualTo(1_000);
    assertThat(failsafe.breaker.isClosed()).isTrue();
    assertThat(failsafeTime.breaker.getSuccessCount()).isEqualTo(1_000);
  }
}
