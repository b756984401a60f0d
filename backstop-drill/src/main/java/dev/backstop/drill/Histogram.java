package dev.backstop.drill;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Durations in power-of-two microsecond buckets, with the exact maximum: enough to say "p99 at
 * most 2 ms" about the live drill's pacing and answers. Thread-safe and lock-free.
 */
final class Histogram {

  /*
   * Bucket 0 holds durations under 1 us; bucket k >= 1 holds [2^(k-1), 2^k) us. 40 buckets reach
   * 2^39 us, about six days, beyond any run; longer durations go to the last bucket.
   */
  private static final int BUCKETS = 40;

  private final AtomicLongArray counts = new AtomicLongArray(BUCKETS);
  private final AtomicLong max = new AtomicLong();

  /** Adds a duration in nanoseconds; a negative one counts as 0. */
  void add(long nanos) {
    long micros = Math.max(0, nanos) / 1000;
    int bucket = Math.min(BUCKETS - 1, 64 - Long.numberOfLeadingZeros(micros));
    counts.incrementAndGet(bucket);
    max.accumulateAndGet(nanos, Math::max);
  }

  long count() {
    long n = 0;
    for (int i = 0; i < BUCKETS; i++) {
      n += counts.get(i);
    }
    return n;
  }

  /** The largest duration added, in nanoseconds; 0 if none. */
  long max() {
    return max.get();
  }

  /**
   * Returns an upper bound, in nanoseconds, of the {@code q}-quantile: the upper edge of the
   * bucket that holds it, or the maximum if that is smaller; 0 if nothing was added.
   */
  long quantile(double q) {
    if (!(q > 0 && q <= 1)) {
      throw new IllegalArgumentException("q must be in (0, 1], was " + q);
    }
    long n = count();
    if (n == 0) {
      return 0;
    }
    long rank = (long) Math.ceil(q * n);
    long seen = 0;
    for (int i = 0; i < BUCKETS; i++) {
      seen += counts.get(i);
      if (seen >= rank) {
        return Math.min(max(), (1L << i) * 1000);
      }
    }
    return max();
  }
}
