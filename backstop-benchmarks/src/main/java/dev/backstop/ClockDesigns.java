package dev.backstop;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The healthy path (allow + markSuccess, default settings) of one {@link SreBreaker} under each
 * design considered for a hot path without a clock read per call; not part of {@code run.sh}'s
 * suite. In the package of the breaker, because the designs plug into its package-private {@link
 * Coarse} hook: a breaker called often enough reads a {@code Coarse} ticker instead of its source,
 * and reuses a decision until the reading moves.
 *
 * <ul>
 *   <li>{@code ticker}: no coarse ticker; every call reads the clock twice (allow, mark), as
 *       before. The baseline.
 *   <li>{@code calls}: a per-breaker call counter ({@code AtomicLong}); every N-th read reads the
 *       clock, N adapted so that a reading is 125 to 250 µs old at most while the rate holds.
 *   <li>{@code sampled}: a thread-local draw ({@code ThreadLocalRandom}) reads the clock on one
 *       read in 64 and publishes it in a shared field; no shared counter.
 *   <li>{@code shared}: {@link SharedClock}, one daemon thread per JVM publishing the clock every
 *       0.5 ms: the chosen design (what {@code SreBreaker.create()} uses).
 * </ul>
 *
 * <p>Run with {@code java -jar backstop-benchmarks/target/benchmarks.jar ClockDesigns -t 1} and
 * {@code -t 2}. Thread-safe: JMH shares one instance between the benchmark threads.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class ClockDesigns {

  /** The design under test. */
  @Param({"ticker", "calls", "sampled", "shared"})
  public String design;

  private SreBreaker breaker;

  /** Builds the breaker of {@link #design} and calls it until it reads its coarse ticker. */
  @Setup(Level.Trial)
  public void build() {
    Ticker source = System::nanoTime; // not Ticker.system(): never the shared clock
    breaker =
        switch (design) {
          case "ticker" -> SreBreaker.builder().ticker(source).build();
          case "calls" -> SreBreaker.builder().ticker(new EveryNCalls(source)).build();
          case "sampled" -> SreBreaker.builder().ticker(new Sampled(source)).build();
          case "shared" -> SreBreaker.create();
          default -> throw new IllegalArgumentException(
              "design must be one of the @Param values, was " + design);
        };
  }

  /** The healthy path. */
  @Benchmark
  public void healthy() {
    breaker.allow();
    breaker.markSuccess();
  }

  /**
   * Reads the source on every N-th read of the breaker, N a power of two adapted at each reading
   * so that N reads span 125 to 250 µs; every read increments one counter shared by all threads.
   */
  static final class EveryNCalls implements Coarse {
    private static final long LOW = 125_000;
    private static final long HIGH = 250_000;
    private final Ticker source;
    private final AtomicLong reads = new AtomicLong();
    private volatile long mask;
    private volatile long time;

    EveryNCalls(Ticker source) {
      this.source = source;
      this.time = source.read();
    }

    @Override
    public long read() {
      long m = mask;
      if ((reads.incrementAndGet() & m) != 0) {
        return time;
      }
      long now = source.read();
      long span = now - time;
      if (span < LOW && m < (1 << 20) - 1) {
        mask = (m << 1) | 1;
      } else if (span > HIGH && m > 0) {
        mask = m >>> 1;
      }
      time = now;
      return now;
    }

    @Override
    public Ticker source() {
      return source;
    }
  }

  /** Reads the source on one read in 64, chosen by a thread-local draw, and publishes it. */
  static final class Sampled implements Coarse {
    private final Ticker source;
    private volatile long time;

    Sampled(Ticker source) {
      this.source = source;
      this.time = source.read();
    }

    @Override
    public long read() {
      if ((ThreadLocalRandom.current().nextInt() & 63) != 0) {
        return time;
      }
      long now = source.read();
      time = now;
      return now;
    }

    @Override
    public Ticker source() {
      return source;
    }
  }
}
