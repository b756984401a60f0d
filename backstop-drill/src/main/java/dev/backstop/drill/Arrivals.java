package dev.backstop.drill;

import java.util.SplittableRandom;

/**
 * When requests arrive: evenly spaced, or as a Poisson process with a seed.
 *
 * <p>Both produce the same mean rate; Poisson arrivals bunch up and thin out the way independent
 * clients do. Values are immutable and thread-safe.
 */
public final class Arrivals {

  private static final Arrivals EVEN = new Arrivals(false, 0);

  private final boolean poisson;
  private final long seed;

  private Arrivals(boolean poisson, long seed) {
    this.poisson = poisson;
    this.seed = seed;
  }

  /** Returns arrivals exactly {@code 1 / rps} apart, the first at time 0. */
  public static Arrivals even() {
    return EVEN;
  }

  /**
   * Returns arrivals of a Poisson process: gaps drawn independently from the exponential
   * distribution with mean {@code 1 / rps}, from a random source seeded with {@code seed}, so
   * that the same seed gives the same arrivals.
   */
  public static Arrivals poisson(long seed) {
    return new Arrivals(true, seed);
  }

  /** Returns whether these are Poisson arrivals. */
  public boolean isPoisson() {
    return poisson;
  }

  /** Returns the seed of Poisson arrivals; 0 for even arrivals. */
  public long seed() {
    return seed;
  }

  /** Starts a sequence of arrival times, in nanoseconds from 0, at {@code rps} per second. */
  Sequence start(double rps) {
    double mean = 1e9 / rps;
    if (!poisson) {
      // Computed from the index, not accumulated, so that rounding errors do not add up.
      return new Sequence() {
        long index;

        @Override
        public long next() {
          return Math.round(index++ * mean);
        }
      };
    }
    SplittableRandom random = new SplittableRandom(seed);
    return new Sequence() {
      double at;

      @Override
      public long next() {
        long now = Math.round(at);
        // 1 - nextDouble() is in (0, 1], so the logarithm is finite.
        at += -Math.log(1 - random.nextDouble()) * mean;
        return now;
      }
    };
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Arrivals a && a.poisson == poisson && a.seed == seed;
  }

  @Override
  public int hashCode() {
    return Boolean.hashCode(poisson) * 31 + Long.hashCode(seed);
  }

  @Override
  public String toString() {
    return poisson ? "poisson(seed " + seed + ")" : "even";
  }

  /** Arrival times in nondecreasing order; not thread-safe. */
  interface Sequence {
    /** Returns the next arrival time in nanoseconds from the start. */
    long next();
  }
}
