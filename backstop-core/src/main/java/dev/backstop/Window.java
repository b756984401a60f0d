package dev.backstop;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.concurrent.atomic.LongAdder;

/**
 * A rolling window of a breaker's counts: the requests whose outcome was recorded, the requests
 * the backend accepted, and the requests rejected locally, over the last {@code buckets} buckets
 * of {@code bucketNanos} each, the current one included.
 *
 * <p>Every operation takes the time as a parameter, so the caller decides where time comes from
 * (a ticker read per call, or a coarser source). Thread-safe; recording takes no lock and
 * allocates nothing except one small frame per bucket, when a bucket ends.
 */
final class Window {

  /*
   * How it works.
   *
   * Counts. Outcomes go to one cumulative LongAdder that packs two counters in a long: requests in
   * the high 32 bits, accepts in the low 32 bits. A success adds REQUEST | ACCEPT, a failure
   * REQUEST, so recording an outcome is a single striped add that never contends on one hot word.
   * Local rejections go to a second cumulative LongAdder. Nothing is ever reset, so no concurrent
   * add can be lost: the window's counts are differences "cumulative now minus cumulative when the
   * window's oldest bucket began", taken modulo 2^64. The packed halves stay exact across
   * wrap-around as long as one window sees fewer than 2^32 requests: the difference of two packed
   * values is (requests difference) * 2^32 + (accepts difference), and the accepts difference,
   * being below 2^32, never carries into the high half.
   *
   * Frames. An immutable Frame holds the end of the current bucket and the cumulative values at
   * the start of each of the last `buckets` buckets (index 0: the current one), outcomes then
   * rejections in one array. Whoever calls with a time at or after the current bucket's end (an
   * outcome, a rejection or a read) builds the next frame, shifting the starts by the number of
   * buckets that passed (so an idle gap longer than the window leaves an empty window), and
   * publishes it with a CAS; losers of that race use the winner's frame. Because a record rotates
   * before it adds, an outcome reported long after the last read counts in the bucket of its own
   * time: only a record racing with the rotation itself may land in the bucket before, an error of
   * one thread's scheduling delay.
   */

  /** Added to the packed outcomes for every recorded outcome. */
  static final long REQUEST = 1L << 32;

  /** Added to the packed outcomes, besides {@link #REQUEST}, for every accepted request. */
  static final long ACCEPT = 1L;

  private static final long LOW = 0xFFFF_FFFFL;
  private static final VarHandle FRAME;

  static {
    try {
      FRAME = MethodHandles.lookup().findVarHandle(Window.class, "frame", Frame.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final int buckets;
  private final long bucketNanos;
  private final LongAdder outcomes = new LongAdder();
  private final LongAdder rejections = new LongAdder();
  private volatile Frame frame;

  /**
   * Creates an empty window whose first bucket starts at {@code now}.
   *
   * @param buckets the number of buckets, >= 1
   * @param bucketNanos the length of a bucket in nanoseconds, >= 1
   */
  Window(int buckets, long bucketNanos, long now) {
    if (buckets < 1 || bucketNanos < 1) {
      throw new IllegalArgumentException(
          "buckets and bucketNanos must be >= 1, was " + buckets + " and " + bucketNanos);
    }
    this.buckets = buckets;
    this.bucketNanos = bucketNanos;
    this.frame = new Frame(now + bucketNanos, new long[2 * buckets]);
  }

  /** Records an accepted request at {@code now}. */
  void success(long now) {
    current(now);
    outcomes.add(REQUEST | ACCEPT);
  }

  /** Records a request that failed at the backend at {@code now}. */
  void failure(long now) {
    current(now);
    outcomes.add(REQUEST);
  }

  /** Records a local rejection at {@code now}. */
  void rejection(long now) {
    current(now);
    rejections.increment();
  }

  /** Returns the frame of the bucket {@code now} falls in, rotating the window if it ended. */
  Frame current(long now) {
    Frame f = frame;
    if (now - f.end < 0) {
      return f;
    }
    long passed = (now - f.end) / bucketNanos + 1;
    Frame next = f.advance(passed, bucketNanos, outcomes.sum(), rejections.sum());
    return FRAME.compareAndSet(this, f, next) ? next : frame;
  }

  /** Returns the cumulative packed outcomes; see {@link #requests} and {@link #accepts}. */
  long outcomes() {
    return outcomes.sum();
  }

  /** Returns the cumulative number of local rejections. */
  long rejections() {
    return rejections.sum();
  }

  /** Returns the number of buckets. */
  int buckets() {
    return buckets;
  }

  /**
   * Returns the packed outcomes recorded in the whole window of {@code f}, given the cumulative
   * value {@code outcomes} read after {@code f}.
   */
  static long inWindow(Frame f, long outcomes) {
    return outcomes - f.starts[f.buckets() - 1];
  }

  /** Returns the packed outcomes recorded in the current bucket of {@code f}. */
  static long inCurrent(Frame f, long outcomes) {
    return outcomes - f.starts[0];
  }

  /**
   * Returns the rejections made in the whole window of {@code f} after the cumulative count
   * {@code from}, given the cumulative count {@code rejections} read after {@code f}; never
   * negative, whatever order the values were read in.
   */
  static long rejectionsInWindow(Frame f, long rejections, long from) {
    return Math.max(0, rejections - Math.max(f.starts[f.starts.length - 1], from));
  }

  /** Returns the requests of packed outcomes. */
  static long requests(long packed) {
    return packed >>> 32;
  }

  /** Returns the accepts of packed outcomes. */
  static long accepts(long packed) {
    return packed & LOW;
  }

  /** One bucket's view of the window: immutable, replaced when the bucket ends. */
  static final class Frame {
    /** When the current bucket ends, in ticker nanoseconds. */
    final long end;
    /**
     * The cumulative values at the start of bucket i, counting back from the current: packed
     * outcomes at i, rejections at {@code buckets + i}. One array rather than two saves an
     * object's header per frame.
     */
    final long[] starts;

    Frame(long end, long[] starts) {
      this.end = end;
      this.starts = starts;
    }

    /** A frame with the given starts of outcomes and of rejections, of the same length. */
    Frame(long end, long[] outcomes, long[] rejections) {
      this(end, concat(outcomes, rejections));
    }

    private static long[] concat(long[] a, long[] b) {
      long[] c = Arrays.copyOf(a, a.length + b.length);
      System.arraycopy(b, 0, c, a.length, b.length);
      return c;
    }

    int buckets() {
      return starts.length >> 1;
    }

    Frame advance(long passed, long bucketNanos, long outcomesNow, long rejectionsNow) {
      int n = buckets();
      int shift = (int) Math.min(passed, n);
      long[] s = new long[2 * n];
      Arrays.fill(s, 0, shift, outcomesNow);
      Arrays.fill(s, n, n + shift, rejectionsNow);
      System.arraycopy(starts, 0, s, shift, n - shift);
      System.arraycopy(starts, n, s, n + shift, n - shift);
      return new Frame(end + passed * bucketNanos, s);
    }
  }
}
