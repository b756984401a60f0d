package dev.backstop.drill;

import java.time.Duration;
import java.util.Objects;

/**
 * How the simulated backend answers the requests that reach it during a {@link Phase}.
 *
 * <p>The backend decides a request's fate when the request reaches it: it succeeds or fails. By
 * default the client learns the outcome at once; a {@link #slow(Backend, Duration, Duration) slow}
 * backend reports it later, as a real one does. Values are immutable and thread-safe.
 */
public sealed interface Backend
    permits Backend.Healthy,
        Backend.Dead,
        Backend.Capacity,
        Backend.Quota,
        Backend.Flaky,
        Backend.Ramp,
        Backend.Slow {

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
   * Returns a backend with a quota per calendar second: counting seconds from the start of the
   * run, the first requests of each second succeed while fewer than {@code perSecond} have
   * succeeded in it, and the rest of the second fails.
   *
   * @param perSecond the quota, > 0
   */
  static Backend quota(double perSecond) {
    return new Quota(perSecond);
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

  /**
   * Returns a backend that fails each request independently with a probability that moves in a
   * straight line from {@code from} at the start of the phase to {@code to} at its end.
   *
   * @param from the share of requests that fail when the phase starts, in [0, 1]
   * @param to the share of requests that fail when the phase ends, in [0, 1]
   */
  static Backend ramp(double from, double to) {
    return new Ramp(from, to);
  }

  /**
   * Returns a backend that answers as {@code backend} does, but reports a success {@code success}
   * after the request reached it and a failure after {@code failure}, as a backend that times out
   * does.
   *
   * @param success the latency of a success, >= 0
   * @param failure the latency of a failure, >= 0
   */
  static Backend slow(Backend backend, Duration success, Duration failure) {
    return new Slow(backend, success, failure);
  }

  /** Returns the backend that decides the outcomes: this one, or the one a slow backend wraps. */
  default Backend base() {
    return this;
  }

  /** Returns how long after a request reached it the backend reports its outcome; zero here. */
  default Duration latency(boolean accepted) {
    return Duration.ZERO;
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
   * Serves a quota of requests per calendar second; see {@link Backend#quota(double)}.
   *
   * @param perSecond the quota, > 0
   */
  record Quota(double perSecond) implements Backend {
    /** Checks the quota. */
    public Quota {
      if (!(perSecond > 0) || Double.isInfinite(perSecond)) {
        throw new IllegalArgumentException("quota must be > 0, was " + perSecond);
      }
    }

    @Override
    public String toString() {
      return "quota " + Report.number(perSecond) + "/s";
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

  /**
   * Fails a changing share of requests at random; see {@link Backend#ramp(double, double)}.
   *
   * @param from the share failing when the phase starts, in [0, 1]
   * @param to the share failing when the phase ends, in [0, 1]
   */
  record Ramp(double from, double to) implements Backend {
    /** Checks the shares. */
    public Ramp {
      if (!(from >= 0 && from <= 1)) {
        throw new IllegalArgumentException("from must be in [0, 1], was " + from);
      }
      if (!(to >= 0 && to <= 1)) {
        throw new IllegalArgumentException("to must be in [0, 1], was " + to);
      }
    }

    @Override
    public String toString() {
      return "failing " + Report.number(from * 100) + "-" + Report.number(to * 100) + " %";
    }
  }

  /**
   * Answers as {@code backend} does, late; see {@link Backend#slow(Backend, Duration, Duration)}.
   *
   * @param backend the backend that decides the outcomes; not itself slow
   * @param success the latency of a success, >= 0
   * @param failure the latency of a failure, >= 0
   */
  record Slow(Backend backend, Duration success, Duration failure) implements Backend {
    /** Checks the values. */
    public Slow {
      Objects.requireNonNull(backend, "backend");
      Objects.requireNonNull(success, "success");
      Objects.requireNonNull(failure, "failure");
      if (backend instanceof Slow) {
        throw new IllegalArgumentException("backend must not be slow itself, was " + backend);
      }
      if (success.isNegative()) {
        throw new IllegalArgumentException("success must be >= 0, was " + success);
      }
      if (failure.isNegative()) {
        throw new IllegalArgumentException("failure must be >= 0, was " + failure);
      }
    }

    @Override
    public Backend base() {
      return backend;
    }

    @Override
    public Duration latency(boolean accepted) {
      return accepted ? success : failure;
    }

    @Override
    public String toString() {
      return backend
          + " (ok "
          + Report.duration(success)
          + ", fail "
          + Report.duration(failure)
          + ")";
    }
  }
}
