package dev.backstop;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.LongAdder;

/**
 * The default {@link CircuitBreaker}: Google SRE client-side adaptive throttling.
 *
 * <p>The breaker counts, over a rolling window, the requests it let through ({@code requests})
 * and those the backend accepted ({@code accepts}). While {@code requests} is below a minimum, or
 * below {@code K × accepts} with {@code K = 1 / success}, every request goes ahead and the state is
 * {@link State#CLOSED}. Otherwise the state is {@link State#OPEN} and each new request is rejected
 * with probability {@code max(0, (requests − K × accepts) / (requests + 1))}. The backend thus
 * keeps receiving about {@code K} times what it accepts, enough to notice when it recovers, while
 * the rest is shed at the client at no cost to the backend.
 *
 * <h2>Beyond the original design</h2>
 *
 * <p>The defaults add three refinements that make the breaker react within a fraction of the
 * window and recover within seconds; {@link #original()} turns all three off.
 *
 * <ul>
 *   <li>{@link Builder#recent(int) recent}: the newest few buckets are judged on their own as well
 *       as the whole window, with a proportionally smaller minimum, and the larger rejection
 *       probability wins. A dead backend is noticed after a fraction of the window instead of
 *       after about 40 % of it.
 *   <li>{@link Builder#forgive(boolean) forgive}: local rejections count as failed requests (as in
 *       the original, so that a dead backend is shed almost entirely), but once the backend has
 *       accepted nothing recently, the first request it accepts again forgives all rejections
 *       made so far: they said nothing about the backend. The original instead keeps counting
 *       them until they leave the window, so admission grows by only about {@code K} per window.
 *   <li>{@link Builder#probe(Duration) probe}: while rejecting, at least one request per probe
 *       interval goes ahead, so that recovery is seen within that interval at any request rate.
 * </ul>
 *
 * <p>Instances are thread-safe; {@link #allow()}, {@link #markSuccess()}, {@link #markFailed()}
 * and {@link #markRejected()} take no lock and allocate nothing.
 */
public final class SreBreaker implements CircuitBreaker {

  /*
   * How it works.
   *
   * Counts. Every outcome is added to one cumulative LongAdder, `outcomes`, that packs two
   * counters in a long: requests in the high 32 bits and accepts in the low 32 bits. markSuccess
   * adds (1 << 32) + 1, markFailed adds 1 << 32, so a mark is a single striped add that does not
   * read the clock and never contends on one hot word. Local rejections go to a second adder,
   * `rejections` (with forgive on), or count as failed requests in `outcomes` (with forgive off,
   * exactly the original). The window's counts are differences of cumulative values: "outcomes
   * now minus outcomes when the window's oldest bucket began". Differences are taken modulo 2^64,
   * so the packed halves stay exact across wrap-around as long as one window sees fewer than 2^32
   * requests, and nothing is ever reset, so no concurrent add can be lost.
   *
   * Window. The window is `bucket` buckets of window/bucket nanoseconds. An immutable Frame holds
   * the end of the current bucket and the cumulative values at the start of each of the last
   * `bucket` buckets (index 0: the current one). allow() reads the ticker once; when the current
   * bucket has ended, the thread that sees it builds the next Frame (shifting the marks by the
   * number of buckets that passed, so an idle gap longer than the window leaves an empty window)
   * and publishes it with a CAS. Losers of that race use the winner's frame. That is the only
   * allocation, once per bucket, not per call. Marks that land between a bucket's end and the
   * rotation count in the older bucket, an error of one thread's scheduling delay.
   *
   * Decision. allow() reads the sums of the adders (a few cells on a few cores) and computes the
   * rejection probability for the whole window and, with `recent`, for the newest `recent`
   * buckets with a minimum of request * recent / bucket; the larger wins. The decision takes the
   * uniform draw as a parameter (judge) so tests can pin it exactly; production draws from
   * ThreadLocalRandom, and only when the probability is positive.
   *
   * Forgiveness. `forgiven` is the cumulative rejection count at the last moment the backend
   * accepted a request after a starved spell; rejections before it are not counted. `starved` is
   * set by allow() when it finds the breaker open and the recent window without a single accept,
   * and cleared by the next markSuccess, which then moves `forgiven` to the current count. In an
   * overload the backend keeps accepting some requests, so `starved` is never set and rejections
   * keep counting, as in the original: that is what holds the load sent to an overloaded backend
   * near K times its capacity. markSuccess only reads `starved` (a plain volatile read of a
   * rarely written field) on the healthy path.
   *
   * Races on purpose. The sums are not atomic snapshots: a mark that lands while allow() sums
   * may or may not be seen, which moves the probability by at most one request's worth. Two
   * threads may both set `starved` or both forgive; forgiving is monotonic (the larger count
   * wins), so the outcome is the same. The probe slot is claimed with a CAS, so one request per
   * interval is let through however many threads race for it. State-change events use a CAS on
   * `reported` so each transition is reported once.
   */

  private static final long ACCEPT = 1L;
  private static final long REQUEST = 1L << 32;
  private static final long LOW = 0xFFFF_FFFFL;
  private static final double CLOSED = -1;
  private static final NotAllowedException UNNAMED = new NotAllowedException(null);

  private static final VarHandle FRAME;
  private static final VarHandle NEXT_PROBE;
  private static final VarHandle FORGIVEN;
  private static final VarHandle REPORTED;

  static {
    try {
      MethodHandles.Lookup lookup = MethodHandles.lookup();
      FRAME = lookup.findVarHandle(SreBreaker.class, "frame", Frame.class);
      NEXT_PROBE = lookup.findVarHandle(SreBreaker.class, "nextProbe", long.class);
      FORGIVEN = lookup.findVarHandle(SreBreaker.class, "forgiven", long.class);
      REPORTED = lookup.findVarHandle(SreBreaker.class, "reported", State.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final double k;
  private final long request;
  private final long recentRequest;
  private final int buckets;
  private final int recent;
  private final long bucketNanos;
  private final long probeNanos;
  private final boolean forgive;
  private final Ticker ticker;
  private final String name;
  private final Notifier notifier;
  private final NotAllowedException rejection;
  private final Settings settings;

  private final LongAdder outcomes = new LongAdder();
  private final LongAdder rejections = new LongAdder();

  private volatile Frame frame;
  private volatile long nextProbe;
  private volatile long forgiven;
  private volatile boolean starved;
  private volatile State reported = State.CLOSED;

  private SreBreaker(Builder builder) {
    this.settings = builder.settings();
    this.k = 1 / builder.success;
    this.request = builder.request;
    this.buckets = builder.bucket;
    this.recent = builder.recent;
    this.recentRequest = recent == 0 ? 0 : ceilDiv(request * recent, buckets);
    this.bucketNanos = builder.window.toNanos() / builder.bucket;
    this.probeNanos = builder.probe.toNanos();
    this.forgive = builder.forgive;
    this.ticker = builder.ticker;
    this.name = builder.name;
    this.notifier =
        builder.listener == BreakerListener.NONE ? null : new Notifier(builder.listener, name);
    this.rejection = name == null ? UNNAMED : new NotAllowedException(name);
    long now = ticker.read();
    this.frame = new Frame(now + bucketNanos, new long[buckets], new long[buckets]);
    this.nextProbe = now;
  }

  /** Returns a breaker with the default settings; see {@link Builder}. */
  public static SreBreaker create() {
    return builder().build();
  }

  /** Returns a builder with the default settings. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Returns a builder set to the original SRE design: the whole window only, no probe, and local
   * rejections counted as failures until they leave the window. Use it to reproduce the behaviour
   * of the original middleware exactly, for example while migrating from it.
   */
  public static Builder original() {
    return new Builder().recent(0).probe(Duration.ZERO).forgive(false);
  }

  @Override
  public void allow() {
    long now = ticker.read();
    double p = probability(now, true);
    admit(now, p, p > 0 ? ThreadLocalRandom.current().nextDouble() : 1);
  }

  /** {@link #allow()} with the uniform draw in [0, 1) given, so tests can pin the decision. */
  void allow(double draw) {
    long now = ticker.read();
    admit(now, probability(now, true), draw);
  }

  /**
   * The decision: reject if and only if {@code draw < probability}, unless the probe slot is free.
   */
  private void admit(long now, double probability, double draw) {
    if (draw < probability && !claimProbe(now)) {
      if (notifier != null) {
        notifier.rejected(probability);
      }
      throw rejection;
    }
    if (notifier != null) {
      notifier.allowed();
    }
  }

  @Override
  public void markSuccess() {
    outcomes.add(REQUEST | ACCEPT);
    if (starved) {
      forgive();
    }
    if (notifier != null) {
      notifier.success();
    }
  }

  @Override
  public void markFailed() {
    outcomes.add(REQUEST);
    if (notifier != null) {
      notifier.failure();
    }
  }

  /**
   * Records a local rejection. With {@link Builder#forgive(boolean) forgive} off it counts as a
   * failed request, as in the original design; with it on it counts the same way until the
   * backend accepts a request again after accepting none.
   */
  @Override
  public void markRejected() {
    if (forgive) {
      rejections.increment();
    } else {
      outcomes.add(REQUEST);
    }
  }

  /** Returns {@link State#OPEN} if the rejection rule is in force now, else {@link State#CLOSED}. */
  public State state() {
    return probability(ticker.read(), false) == CLOSED ? State.CLOSED : State.OPEN;
  }

  /** Returns the counts of the whole window and the decision they lead to, now. */
  public Snapshot snapshot() {
    return snapshotAt(currentFrame(ticker.read()));
  }

  /** Returns the settings this breaker was built with. */
  public Settings settings() {
    return settings;
  }

  @Override
  public String toString() {
    return "SreBreaker" + (name == null ? "" : "[" + name + "]") + " " + snapshot();
  }

  /**
   * The SRE rule for one window: {@code -1} (closed) if {@code total < minimum} or {@code total <
   * k × accepts}, otherwise {@code max(0, (total − k × accepts) / (total + 1))}.
   */
  static double judge(long total, long accepts, long minimum, double k) {
    double kAccepts = k * accepts;
    if (total < minimum || total < kAccepts) {
      return CLOSED;
    }
    return Math.max(0, (total - kAccepts) / (total + 1));
  }

  /**
   * Returns the rejection probability now, or {@link #CLOSED}. With {@code fromAllow}, also
   * maintains the starved flag and reports state changes.
   */
  private double probability(long now, boolean fromAllow) {
    Frame f = currentFrame(now);
    long cum = outcomes.sum();
    long rejected = 0;
    long forgivenAt = 0;
    if (forgive) {
      rejected = rejections.sum();
      forgivenAt = forgiven;
    }
    double p = judgeWindow(f, buckets - 1, request, cum, rejected, forgivenAt);
    if (recent > 0) {
      double q = judgeWindow(f, recent - 1, recentRequest, cum, rejected, forgivenAt);
      p = Math.max(p, q);
      if (fromAllow && forgive && p != CLOSED && !starved
          && ((cum - f.outcomes[recent - 1]) & LOW) == 0) {
        starved = true;
      }
    } else if (fromAllow && forgive && p != CLOSED && !starved
        && ((cum - f.outcomes[buckets - 1]) & LOW) == 0) {
      starved = true;
    }
    if (fromAllow && notifier != null) {
      State now2 = p == CLOSED ? State.CLOSED : State.OPEN;
      State seen = reported;
      if (seen != now2 && REPORTED.compareAndSet(this, seen, now2)) {
        notifier.stateChanged(snapshotAt(f));
      }
    }
    return p;
  }

  private double judgeWindow(
      Frame f, int oldest, long minimum, long cum, long rejected, long forgivenAt) {
    long window = cum - f.outcomes[oldest];
    long total = (window >>> 32) + counted(rejected, f.rejections[oldest], forgivenAt);
    return judge(total, window & LOW, minimum, k);
  }

  private static long counted(long rejected, long base, long forgivenAt) {
    return rejected - Math.max(base, forgivenAt);
  }

  private Snapshot snapshotAt(Frame f) {
    long cum = outcomes.sum();
    long rejected = 0;
    long forgivenAt = 0;
    if (forgive) {
      rejected = rejections.sum();
      forgivenAt = forgiven;
    }
    long window = cum - f.outcomes[buckets - 1];
    long accepts = window & LOW;
    long total = (window >>> 32) + counted(rejected, f.rejections[buckets - 1], forgivenAt);
    double p = judgeWindow(f, buckets - 1, request, cum, rejected, forgivenAt);
    if (recent > 0) {
      p = Math.max(p, judgeWindow(f, recent - 1, recentRequest, cum, rejected, forgivenAt));
    }
    return new Snapshot(
        total, Math.min(accepts, total), Math.max(p, 0), p == CLOSED ? State.CLOSED : State.OPEN);
  }

  private Frame currentFrame(long now) {
    Frame f = frame;
    if (now - f.end < 0) {
      return f;
    }
    long passed = (now - f.end) / bucketNanos + 1;
    Frame next = f.advance(passed, bucketNanos, outcomes.sum(), forgive ? rejections.sum() : 0);
    return FRAME.compareAndSet(this, f, next) ? next : frame;
  }

  private boolean claimProbe(long now) {
    if (probeNanos == 0) {
      return false;
    }
    long at = nextProbe;
    return now - at >= 0 && NEXT_PROBE.compareAndSet(this, at, now + probeNanos);
  }

  private void forgive() {
    starved = false;
    long count = rejections.sum();
    long at;
    do {
      at = forgiven;
      if (at >= count) {
        return;
      }
    } while (!FORGIVEN.compareAndSet(this, at, count));
  }

  private static long ceilDiv(long a, long b) {
    return -Math.floorDiv(-a, b);
  }

  /** One bucket's view of the window: immutable, replaced when the bucket ends. */
  private static final class Frame {
    /** When the current bucket ends, in ticker nanoseconds. */
    final long end;
    /** Cumulative packed outcomes at the start of bucket i, counting back from the current. */
    final long[] outcomes;
    /** Cumulative rejections at the start of bucket i, counting back from the current. */
    final long[] rejections;

    Frame(long end, long[] outcomes, long[] rejections) {
      this.end = end;
      this.outcomes = outcomes;
      this.rejections = rejections;
    }

    Frame advance(long passed, long bucketNanos, long outcomesNow, long rejectionsNow) {
      int n = outcomes.length;
      int shift = (int) Math.min(passed, n);
      long[] o = new long[n];
      long[] r = new long[n];
      Arrays.fill(o, 0, shift, outcomesNow);
      Arrays.fill(r, 0, shift, rejectionsNow);
      System.arraycopy(outcomes, 0, o, shift, n - shift);
      System.arraycopy(rejections, 0, r, shift, n - shift);
      return new Frame(end + passed * bucketNanos, o, r);
    }
  }

  /**
   * The settings of a breaker, as built.
   *
   * @param success the share of requests the backend must accept; {@code K = 1 / success}
   * @param request the minimum number of requests in the window before any rejection
   * @param window the length of the rolling window
   * @param bucket the number of buckets the window is divided into
   * @param recent how many of the newest buckets are also judged on their own; 0 for none
   * @param probe the longest time between two requests let through while rejecting; zero for none
   * @param forgive whether local rejections are forgiven once the backend accepts again
   */
  public record Settings(
      double success,
      long request,
      Duration window,
      int bucket,
      int recent,
      Duration probe,
      boolean forgive) {}

  /**
   * Configures a {@link SreBreaker}. Each option is checked when it is set; {@link #build()} checks
   * combinations and does not change the builder, so one builder can build many breakers. Not
   * thread-safe.
   *
   * <p>Defaults: {@code success} 0.6 ({@code K} = 1/0.6), {@code request} 100, {@code window} 3 s
   * in 10 buckets, {@code recent} 2 buckets, {@code probe} 1 s, {@code forgive} on, the system
   * ticker, no name and no listener.
   */
  public static final class Builder {
    private double success = 0.6;
    private long request = 100;
    private Duration window = Duration.ofSeconds(3);
    private int bucket = 10;
    private int recent = 2;
    private Duration probe = Duration.ofSeconds(1);
    private boolean forgive = true;
    private Ticker ticker = Ticker.system();
    private String name;
    private BreakerListener listener = BreakerListener.NONE;

    private Builder() {}

    /**
     * The share of requests the backend must accept for the breaker to stay closed, in (0, 1].
     * The rejection rule uses {@code K = 1 / success}; 0.6 gives K ≈ 1.67.
     */
    public Builder success(double success) {
      if (!(success > 0 && success <= 1)) {
        throw new IllegalArgumentException("success must be in (0, 1], was " + success);
      }
      this.success = success;
      return this;
    }

    /** The minimum number of requests in the window before any request is rejected, >= 0. */
    public Builder request(long request) {
      if (request < 0) {
        throw new IllegalArgumentException("request must be >= 0, was " + request);
      }
      this.request = request;
      return this;
    }

    /** The length of the rolling window, > 0. */
    public Builder window(Duration window) {
      Objects.requireNonNull(window, "window");
      if (window.isNegative() || window.isZero()) {
        throw new IllegalArgumentException("window must be > 0, was " + window);
      }
      if (window.compareTo(Duration.ofDays(365)) > 0) {
        throw new IllegalArgumentException("window must be at most 365 days, was " + window);
      }
      this.window = window;
      return this;
    }

    /** The number of buckets the window is divided into, >= 1. */
    public Builder bucket(int bucket) {
      if (bucket < 1) {
        throw new IllegalArgumentException("bucket must be >= 1, was " + bucket);
      }
      this.bucket = bucket;
      return this;
    }

    /**
     * How many of the newest buckets are judged on their own as well as the whole window, in
     * [0, bucket]; 0 judges the whole window only, as the original does. The recent window's
     * minimum number of requests is {@code request × recent / bucket}, rounded up.
     */
    public Builder recent(int recent) {
      if (recent < 0) {
        throw new IllegalArgumentException("recent must be >= 0, was " + recent);
      }
      this.recent = recent;
      return this;
    }

    /**
     * While rejecting, let at least one request through per {@code probe} interval, so that a
     * recovered backend is noticed within that time at any request rate. Zero turns probing off.
     */
    public Builder probe(Duration probe) {
      Objects.requireNonNull(probe, "probe");
      if (probe.isNegative()) {
        throw new IllegalArgumentException("probe must be >= 0, was " + probe);
      }
      if (probe.compareTo(Duration.ofDays(365)) > 0) {
        throw new IllegalArgumentException("probe must be at most 365 days, was " + probe);
      }
      this.probe = probe;
      return this;
    }

    /**
     * Whether local rejections are forgiven once the backend, after accepting nothing recently,
     * accepts a request again. Off, rejections count as failures until they leave the window, as
     * in the original design.
     */
    public Builder forgive(boolean forgive) {
      this.forgive = forgive;
      return this;
    }

    /** The source of time; {@link Ticker#system()} by default. */
    public Builder ticker(Ticker ticker) {
      this.ticker = Objects.requireNonNull(ticker, "ticker");
      return this;
    }

    /**
     * The name of the operation this breaker guards, reported to the listener and carried by its
     * {@link NotAllowedException}. {@link Backstop} names its breakers after their operations.
     */
    public Builder name(String name) {
      this.name = Objects.requireNonNull(name, "name");
      return this;
    }

    /** Receives this breaker's activity; {@link BreakerListener#NONE} by default. */
    public Builder listener(BreakerListener listener) {
      this.listener = Objects.requireNonNull(listener, "listener");
      return this;
    }

    /** Builds a breaker with these settings. */
    public SreBreaker build() {
      if (window.toNanos() < bucket) {
        throw new IllegalArgumentException(
            "window must be at least bucket (" + bucket + ") nanoseconds, was " + window);
      }
      if (recent > bucket) {
        throw new IllegalArgumentException(
            "recent must be at most bucket (" + bucket + "), was " + recent);
      }
      return new SreBreaker(this);
    }

    Settings settings() {
      return new Settings(success, request, window, bucket, recent, probe, forgive);
    }
  }
}
