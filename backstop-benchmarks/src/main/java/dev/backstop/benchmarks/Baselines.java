package dev.backstop.benchmarks;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/**
 * What the breakers are measured against, in the same run: the benchmark harness alone, one
 * striped counter increment and one clock read. A breaker that reads the clock once and records
 * one outcome in a {@code LongAdder} cannot cost less than {@code nanoTime + longAdder}.
 *
 * <p>Thread-safe: JMH shares one instance between the benchmark threads.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class Baselines {

  private final LongAdder adder = new LongAdder();

  /** The harness's own cost per operation. */
  @Benchmark
  public void empty() {}

  /** One increment of a {@code LongAdder} shared by the benchmark threads. */
  @Benchmark
  public void longAdder() {
    adder.increment();
  }

  /** One read of the clock every Backstop breaker uses by default. */
  @Benchmark
  public long nanoTime() {
    return System.nanoTime();
  }
}
