package dev.backstop.benchmarks;

import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.SlidingWindowType;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/**
 * The breakers people would pick instead, on the healthy path in the same shape as {@link
 * BackstopBenchmarks#healthy}: acquire permission, then record a success. The time-based
 * configurations mirror Backstop's defaults: a 3 s window, at least 100 calls, open at 40 %
 * failures (Backstop's {@code success} 0.6).
 *
 * <p>Resilience4j's own decorators also read its clock twice per call to time the call (for its
 * slow-call rule); here the success is recorded with a zero duration, so the figure is a lower
 * bound of what a Resilience4j user pays.
 *
 * <p>Thread-safe: every state is a thread-safe breaker.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class Alternatives {

  /** Resilience4j with its defaults: a count-based window of the last 100 calls. */
  @State(Scope.Benchmark)
  public static class Resilience4jDefault {
    final io.github.resilience4j.circuitbreaker.CircuitBreaker breaker =
        io.github.resilience4j.circuitbreaker.CircuitBreaker.ofDefaults("users.get");
  }

  /** Resilience4j with a time-based window like Backstop's. */
  @State(Scope.Benchmark)
  public static class Resilience4jTimeBased {
    final io.github.resilience4j.circuitbreaker.CircuitBreaker breaker =
        io.github.resilience4j.circuitbreaker.CircuitBreaker.of(
            "users.get",
            CircuitBreakerConfig.custom()
                .slidingWindowType(SlidingWindowType.TIME_BASED)
                .slidingWindowSize(3)
                .minimumNumberOfCalls(100)
                .failureRateThreshold(40)
                .build());
  }

  /** Failsafe with its defaults: open after one failure. */
  @State(Scope.Benchmark)
  public static class FailsafeDefault {
    final dev.failsafe.CircuitBreaker<Object> breaker = dev.failsafe.CircuitBreaker.ofDefaults();
  }

  /** Failsafe with a time-based failure rate like Backstop's. */
  @State(Scope.Benchmark)
  public static class FailsafeTimeBased {
    final dev.failsafe.CircuitBreaker<Object> breaker =
        dev.failsafe.CircuitBreaker.builder()
            .withFailureRateThreshold(40, 100, Duration.ofSeconds(3))
            .build();
  }

  /** Resilience4j, defaults: acquirePermission, then onSuccess. */
  @Benchmark
  public void resilience4jDefault(Resilience4jDefault s) {
    s.breaker.acquirePermission();
    s.breaker.onSuccess(0, TimeUnit.NANOSECONDS);
  }

  /** Resilience4j, time-based window: acquirePermission, then onSuccess. */
  @Benchmark
  public void resilience4jTimeBased(Resilience4jTimeBased s) {
    s.breaker.acquirePermission();
    s.breaker.onSuccess(0, TimeUnit.NANOSECONDS);
  }

  /** Failsafe, defaults: tryAcquirePermit, then recordSuccess. */
  @Benchmark
  public boolean failsafeDefault(FailsafeDefault s) {
    boolean permitted = s.breaker.tryAcquirePermit();
    s.breaker.recordSuccess();
    return permitted;
  }

  /** Failsafe, time-based failure rate: tryAcquirePermit, then recordSuccess. */
  @Benchmark
  public boolean failsafeTimeBased(FailsafeTimeBased s) {
    boolean permitted = s.breaker.tryAcquirePermit();
    s.breaker.recordSuccess();
    return permitted;
  }
}
