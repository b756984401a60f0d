package dev.backstop.drill;

/**
 * How the simulated backend answers the requests that reach it during a {@link Phase}.
 *
 * <p>The backend answers at once: a request either succeeds or fails, it never waits. Values are
 * immutable and thread-safe.
 */
public sealed interface Backend permits Backend.Healthy, Backend.Dead, Backend.Capacity,
    Backend.Flaky {

  /** The backend that accepts every request. */
  Backend HEALTHY = new Healthy();

  /** The backend that fails every request. */
  Backend DEAD = new Dead();

  /**
   * Returns a backend that serves at most {@code perSecond} requests per second and fails the
   * rest. It is a token bucket refilled continuously at {@code perSecond} tokens per second,
   * holding at most {@code max(1, perSecond / 10)} tokens (a tenth of a second of capacity) and
   * full when the phase starts; a request that finds no whole token fails.
   *
   * @param perSecond the capacity, > 0
   */
  static Backend capacity(double perSecond) {
    return new Capacity(perSecond);
  }

  /**
   * Returns a backend that fails each request independently with probability {@code fail}, drawn
   * from the simulation's seeded random source.
   *
   * @param fail the share of requests that fail, in [0, 1]
   */
  static Backend flaky(double fail) {
    return new Flaky(fail);
  }

  /** Accepts every request. */
  record Healthy() implements Backend {
    @Override
    public String toString() {
      return "healthy";
    }
  }

  /** Fails every request. */
  record Dead() implements Backend {
    @Override
    public String toString() {
      return "dead";
    }
  }

  /**
   * Serves at most {@code perSecond} requests per second; see {@link Backend#capacity(double)}.
   *
   * @param perSecond the capacity, > 0
   */
  record Capacity(double perSecond) implements Backend {
    /** Checks the capacity. */
    public Capacity {
      if (!(perSecond > 0) || Double.isInfinite(perSecond)) {
        throw new IllegalArgumentException("capacity must be > 0, was " + perSecond);
      }
    }

    /** The most tokens the bucket holds: a tenth of a second of capacity, at least one. */
    public double burst() {
      return Math.max(1, perSecond / 10);
    }

    @Override
    public String toString() {
      return "capacity " + Report.number(perSecond) + "/s";
    }
  }

  /**
   * Fails a share of requests at random; see {@link Backend#flaky(double)}.
   *
   * @param fail the share of requests that fail, in [0, 1]
   */
  record Flaky(double fail) implements Backend {
    /** Checks the share. */
    public Flaky {
      if (!(fail >= 0 && fail <= 1)) {
        throw new IllegalArgumentException("fail must be in [0, 1], was " + fail);
      }
    }

    @Override
    public String toString() {
      return "flaky " + Report.percent(fail);
    }
  }
}
