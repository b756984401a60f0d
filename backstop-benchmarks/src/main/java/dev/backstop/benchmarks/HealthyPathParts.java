package dev.backstop.benchmarks;

import dev.backstop.SreBreaker;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/**
 * The healthy path taken apart, to see what costs what; not part of {@code run.sh}'s suite. Run it
 * with {@code java -jar backstop-benchmarks/target/benchmarks.jar HealthyPathParts -t 1} and
 * {@code -t 2}. Every state is shared by the benchmark threads, as in {@link BackstopBenchmarks}.
 *
 * <p>Thread-safe: JMH shares one instance between the benchmark threads.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class HealthyPathParts {

  private final LongAdder adder = new LongAdder();
  private final LongAdder idle = new LongAdder();
  private final SreBreaker breaker = SreBreaker.create();
  private final SreBreaker allowOnly = SreBreaker.create();
  private final SreBreaker markOnly = SreBreaker.create();
  /** Time that never moves: the frame never rotates and no clock is read. */
  private final long frozen = System.nanoTime();
  private final SreBreaker noClock = SreBreaker.builder().ticker(this::frozen).build();

  private long frozen() {
    return frozen;
  }

  /** The floor of any design that reads the clock once and records one outcome per call. */
  @Benchmark
  public long clockAndAdd() {
    long now = System.nanoTime();
    adder.add(1L << 32 | 1);
    return now;
  }

  /** Add to a shared adder and read its sum: what allow + markSuccess do to {@code outcomes}. */
  @Benchmark
  public long addAndSum() {
    adder.add(1L << 32 | 1);
    return adder.sum();
  }

  /** {@link #addAndSum} plus the sum of a second adder nobody writes ({@code rejections}). */
  @Benchmark
  public long addAndTwoSums() {
    adder.add(1L << 32 | 1);
    return adder.sum() + idle.sum();
  }

  /** allow alone: no outcome is ever recorded, so nothing the sums read is ever written. */
  @Benchmark
  public void allowAlone() {
    allowOnly.allow();
  }

  /** markSuccess alone: one striped add and a read of the rarely written starved flag. */
  @Benchmark
  public void markSuccessAlone() {
    markOnly.markSuccess();
  }

  /** The healthy path on a ticker that returns a field: everything but the clock read. */
  @Benchmark
  public void healthyWithoutClock() {
    noClock.allow();
    noClock.markSuccess();
  }

  /** The healthy path, as in {@link BackstopBenchmarks#healthy}, for comparison in the same run. */
  @Benchmark
  public void healthy() {
    breaker.allow();
    breaker.markSuccess();
  }

  /** The uniform draw allow makes when the rejection probability is positive (shed path). */
  @Benchmark
  public double threadLocalRandom() {
    return ThreadLocalRandom.current().nextDouble();
  }
}
