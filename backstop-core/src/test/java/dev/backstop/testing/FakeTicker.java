package dev.backstop.testing;

import dev.backstop.Ticker;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link Ticker} moved by hand, for tests of time-based behaviour that never sleep. It starts at
 * an odd negative origin so that no code can rely on time starting at zero. Thread-safe.
 */
public final class FakeTicker implements Ticker {

  /** The origin of {@link #FakeTicker()}: odd, negative and far from zero. */
  public static final long ORIGIN = -7_123_456_789L;

  private final AtomicLong nanos;

  /** Returns a ticker that reads {@link #ORIGIN}. */
  public FakeTicker() {
    this(ORIGIN);
  }

  /** Returns a ticker that reads {@code origin}. */
  public FakeTicker(long origin) {
    this.nanos = new AtomicLong(origin);
  }

  @Override
  public long read() {
    return nanos.get();
  }

  /** Moves time forward by {@code duration} (or back, if negative) and returns this ticker. */
  public FakeTicker advance(Duration duration) {
    nanos.addAndGet(duration.toNanos());
    return this;
  }

  /** Moves time forward by {@code nanos} nanoseconds and returns this ticker. */
  public FakeTicker advanceNanos(long nanos) {
    this.nanos.addAndGet(nanos);
    return this;
  }

  @Override
  public String toString() {
    return "FakeTicker(" + nanos.get() + ")";
  }
}
