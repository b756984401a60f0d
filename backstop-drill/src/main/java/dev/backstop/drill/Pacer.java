package dev.backstop.drill;

import java.util.Objects;

/**
 * Lets a live drill's requests leave on their schedule and measures how far the issuing thread
 * fell behind it.
 *
 * <p>Time is a parameter: {@link #poll(long, Sink)} is given the nanoseconds since the start of
 * the run, so the pacing can be checked against a fake clock. Not thread-safe: one issuing thread
 * per pacer.
 */
final class Pacer {

  /*
   * How it works. The schedule is an Arrivals sequence: arrival times in nanoseconds from the
   * start, evenly spaced or Poisson. A poll at time `now` takes every arrival due by `now` (at or
   * before it) in order. An arrival at most `late` nanoseconds behind `now` is issued, with its
   * lag (now - arrival); one further behind is missed: the issuing thread could not keep up
   * (a loaded machine, a pause), and sending it now would turn the schedule into a burst no
   * steady client population sends. Arrivals at or after `end` are not part of the run.
   *
   * The pacer counts what it issued and missed, the largest lag, and lags in power-of-two
   * microsecond buckets, so the run can say how closely it kept to the schedule.
   */

  /** Receives the arrivals a poll takes. */
  interface Sink {
    /** Arrival {@code at} (nanoseconds from the start) leaves now, {@code lag} ns after it. */
    void issue(long at, long lag);

    /** Arrival {@code at} was due more than the tolerated lag ago and is not sent. */
    void miss(long at);
  }

  private final Arrivals.Sequence schedule;
  private final long late;
  private final long end;
  private final Histogram lags = new Histogram();
  private long next;
  private long issued;
  private long missed;
  private long maxLag;

  /**
   * A pacer over {@code arrivals} at {@code rps} per second, issuing arrivals at most {@code late}
   * ns behind, for arrivals before {@code end} ns.
   */
  Pacer(Arrivals arrivals, double rps, long late, long end) {
    Objects.requireNonNull(arrivals, "arrivals");
    if (late < 0) {
      throw new IllegalArgumentException("late must be >= 0, was " + late);
    }
    this.schedule = arrivals.start(rps);
    this.late = late;
    this.end = end;
    this.next = schedule.next();
  }

  /**
   * Returns how many arrivals of {@code arrivals} at {@code rps} fall in each of {@code slots}
   * consecutive slots of {@code slot} nanoseconds from 0.
   */
  static int[] perSlot(Arrivals arrivals, double rps, long slot, int slots) {
    Arrivals.Sequence s = arrivals.start(rps);
    int[] counts = new int[slots];
    long total = 0;
    for (long at = s.next(); at < slot * slots; at = s.next()) {
      counts[(int) (at / slot)]++;
      if (++total > Integer.MAX_VALUE - 8) {
        throw new IllegalArgumentException("too many arrivals for one run: " + total);
      }
    }
    return counts;
  }

  /**
   * Hands {@code sink} every arrival due by {@code now} (nanoseconds from the start), issued or
   * missed, and returns the nanoseconds until the next arrival, or -1 once the schedule is done.
   */
  long poll(long now, Sink sink) {
    while (next < end && now - next >= 0) {
      long lag = now - next;
      if (lag <= late) {
        issued++;
        maxLag = Math.max(maxLag, lag);
        lags.add(lag);
        sink.issue(next, lag);
      } else {
        missed++;
        sink.miss(next);
      }
      next = schedule.next();
    }
    return next < end ? next - now : -1;
  }

  long issued() {
    return issued;
  }

  long missed() {
    return missed;
  }

  long maxLag() {
    return maxLag;
  }

  /** The lags of issued arrivals. */
  Histogram lags() {
    return lags;
  }
}
