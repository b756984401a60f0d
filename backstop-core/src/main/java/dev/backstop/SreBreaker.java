package dev.backstop;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.DoubleSupplier;

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
 * <p>The defaults add three refinements, each a builder option, that make the breaker notice a
 * dead backend within a fraction of the window and recover within seconds; {@link #original()}
 * turns all three off. The rule itself never changes; only which counts feed it, and when.
 *
 * <ul>
 *   <li>{@link Builder#recent(int) recent}: once the current bucket has seen requests fail and
 *       none accepted, the current bucket and the newest {@code recent} whole buckets are judged
 *       on their own as well, with a proportionally smaller minimum, and the larger rejection
 *       probability wins. The original notices a dead backend only after about 40 % of the whole
 *       window has failed. Gating on a failing current bucket keeps random failures in a few
 *       small buckets from tripping the breaker.
 *   <li>{@link Builder#forgive(boolean) forgive}: local rejections count as failed requests, as in
 *       the original, so a dead backend is shed almost entirely and an overloaded one receives
 *       about {@code K} times what it accepts. But once the backend has been starved (open, and
 *       not a single accept in the recent window), the first request it accepts forgives all
 *       rejections made so far: they said nothing about the backend. The original keeps counting
 *       them until they leave the window, so after an outage admission grows by only about a
 *       factor {@code K} per window.
 *   <li>{@link Builder#probe(Duration) probe}: while rejecting, at least one request per probe
 *       interval goes ahead, so that a recovered backend is noticed within that interval at any
 *       request rate.
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
   * Decision cache. Reading the sums means reading counter cells that other threads write, so
   * on several cores every call would pull other cores' cache lines. allow() therefore reuses the
   * last decision (the probability, or closed) while it is younger than 1 ms (or a bucket, if
   * shorter): a plain double published by the volatile write of the time it was made. A thread
   * that finds it older recomputes it; two threads may both recompute, and either result is a
   * decision made within the last millisecond. A decision is never reused at the very time it
   * was made, so a ticker that does not move (a test's) always gets a fresh one. Hot calls thus
   * read the clock, one volatile long and one double that change at most every millisecond, and
   * write only their own counter cell. Bucket rotation, the starved flag and state-change events
   * happen on recomputation, so they lag by at most that millisecond too.
   *
   * Decision. When recomputing, allow() reads the sums of the adders (a few cells on a few cores) and judges the
   * whole window. With `recent`, and only while the current bucket has failures and no accepts
   * (or the breaker is starved), it also judges the newest `recent` whole buckets plus the current
   * one, with a minimum of request * recent / bucket; the larger probability wins. Judging the
   * recent window only then is what keeps 30 % random failures in 15-request buckets from
   * rejecting: they rarely empty a bucket of accepts, while a dead backend does within a few
   * requests. The decision takes the uniform draw as a parameter (allow(double)) so tests can
   * pin it; production draws from the builder's random source (ThreadLocalRandom by default),
   * and only when the probability is positive.
   *
   * Forgiveness. `forgiven` is the cumulative rejection count at the last moment the backend
   * accepted a request after a starved spell; rejections before it are not counted. `starved` is
   * set by allow() when it finds the breaker open and the recent window (the whole window if
   * `recent` is 0) without a single accept, and cleared by the next markSuccess, which then moves
   * `forgiven` to the current count. In an overload the backend keeps accepting some requests,
   * so `starved` is never set and rejections keep counting, as in the original: that holds the
   * load sent to an overloaded backend near K times its capacity. Until the breaker is starved,
   * the recent window counts no rejections at all, so that it cannot feed on its own rejections.
   * markSuccess only reads `starved` (a volatile read of a rarely written field) on the healthy
   * path.
   *
   * Races on purpose. The sums are not atomic snapshots: a mark that lands while allow() sums
   * may or may not be seen, which moves the probability by at most one request's worth. Two
   * threads may both set `starved` or both forgive; forgiving is monotonic (the larger count
   * wins), so the outcome is the same. The probe slot is claimed with a CAS, so one request per
   * interval is let through however many threads race for it; a request that
   * the draw admits while rejecting pushes the next probe back by a plain write, racy on purpose:
   * a lost update only moves a probe by less than an interval. State-change events use a CAS on
   * `reported` so each transition is reported once.
   */

  private static final long ACCEPT = 1L;
  private static final long REQUEST = 1L << 32;
  private static final long LOW = 0xFFFF_FFFFL;
  private static final double CLOSED = -1;
  /** How long allow() reuses a decision before it reads the counts again. */
  private static final long REFRESH_NANOS = 1_000_000;
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
  private final DoubleSupplier random;
  private final String name;
  private final Notifier notifier;
  private final NotAllowedException rejection;
  private final Settings settings;

  private final LongAdder outcomes = new LongAdder();
  private final LongAdder rejections = new LongAdder();

  private final long refreshNanos;

  private volatile Frame frame;
  /** The last decision, published by the volatile write of {@link #decidedAt} that follows it. */
  private double decided;
  private volatile long decidedAt;
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
    this.random = builder.random;
    this.name = builder.name;
    this.notifier =
        builder.listener == BreakerListener.NONE ? null : new Notifier(builder.listener, name);
    this.rejection = name == null ? UNNAMED : new NotAllowedException(name);
    long now = ticker.read();
    this.frame = new Frame(now + bucketNanos, new long[buckets], new long[buckets]);
    this.nextProbe = now;
    this.refreshNanos = Math.min(REFRESH_NANOS, bucketNanos);
    this.decidedAt = now - refreshNanos;
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
    double p = decision(now);
    admit(now, p, p > 0 ? random.getAsDouble() : 1);
  }

  /** {@link #allow()} with the uniform draw in [0, 1) given, so tests can pin the decision. */
  void allow(double draw) {
    long now = ticker.read();
    admit(now, decision(now), draw);
  }

  /**
   * The rejection probability (or {@link #CLOSED}) for a request at {@code now}: the cached one
   * while it is younger than {@link #refreshNanos}, else a fresh one.
   */
  private double decision(long now) {
    long age = now - decidedAt;
    if (age > 0 && age < refreshNanos) {
      return decided;
    }
    double p = probability(now);
    decided = p;
    decidedAt = now;
    return p;
  }

  /**
   * The decision: reject if and only if {@code draw < probability}, unless the probe slot is free.
   */
  private void admit(long now, double probability, double draw) {
    if (draw < probability) {
      if (!claimProbe(now)) {
        if (notifier != null) {
          notifier.rejected();
        }
        throw rejection;
      }
    } else if (probability > 0 && probeNanos > 0) {
      deferProbe(now);
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
    return snapshot().state();
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
   * Returns the rejection probability now, or {@link #CLOSED}, for allow(); also maintains the
   * starved flag and reports state changes.
   */
  private double probability(long now) {
    Frame f = currentFrame(now);
    long cum = outcomes.sum();
    double p = probabilityIn(f, cum, rejected(), forgivenAt());
    if (forgive && p != CLOSED && !starved && ((cum - f.outcomes[newest()]) & LOW) == 0) {
      starved = true;
    }
    if (notifier != null) {
      State state = p == CLOSED ? State.CLOSED : State.OPEN;
      State seen = reported;
      if (seen != state && REPORTED.compareAndSet(this, seen, state)) {
        notifier.stateChanged(snapshotAt(f));
      }
    }
    return p;
  }

  /** The cumulative count of rejections that may count as failures; 0 without forgive. */
  private long rejected() {
    return forgive ? rejections.sum() : 0;
  }

  /** The cumulative rejection count up to which rejections are forgiven; 0 without forgive. */
  private long forgivenAt() {
    return forgive ? forgiven : 0;
  }

  /** The larger of the whole window's and the recent window's probabilities, or CLOSED. */
  private double probabilityIn(Frame f, long cum, long rejected, long forgivenAt) {
    int oldest = buckets - 1;
    double p =
        judge(
            requests(cum, f, oldest) + counted(rejected, f, oldest, forgivenAt),
            accepts(cum, f, oldest),
            request,
            k);
    if (recent > 0 && (starved || failing(cum, f))) {
      long counted = starved ? counted(rejected, f, recent, forgivenAt) : 0;
      p = Math.max(
          p, judge(requests(cum, f, recent) + counted, accepts(cum, f, recent), recentRequest, k));
    }
    return p;
  }

  /** Whether the current bucket has seen requests fail and none accepted. */
  private static boolean failing(long cum, Frame f) {
    long current = cum - f.outcomes[0];
    return current != 0 && (current & LOW) == 0;
  }

  /** The index in a frame of the oldest bucket of the window that the starved check looks at. */
  private int newest() {
    return recent > 0 ? recent : buckets - 1;
  }

  private static long requests(long cum, Frame f, int oldest) {
    return (cum - f.outcomes[oldest]) >>> 32;
  }

  private static long accepts(long cum, Frame f, int oldest) {
    return (cum - f.outcomes[oldest]) & LOW;
  }

  private static long counted(long rejected, Frame f, int oldest, long forgivenAt) {
    return rejected - Math.max(f.rejections[oldest], forgivenAt);
  }

  private Snapshot snapshotAt(Frame f) {
    long cum = outcomes.sum();
    long rejected = rejected();
    long forgivenAt = forgivenAt();
    int oldest = buckets - 1;
    long total = requests(cum, f, oldest) + counted(rejected, f, oldest, forgivenAt);
    double p = probabilityIn(f, cum, rejected, forgivenAt);
    return new Snapshot(
        total,
        Math.min(accepts(cum, f, oldest), total),
        Math.max(p, 0),
        p == CLOSED ? State.CLOSED : State.OPEN);
  }

  private Frame currentFrame(long now) {
    Frame f = frame;
    if (now - f.end < 0) {
      return f;
    }
    long passed = (now - f.end) / bucketNanos + 1;
    Frame next = f.advance(passed, bucketNanos, outcomes.sum(), rejected());
    return FRAME.compareAndSet(this, f, next) ? next : frame;
  }

  private boolean claimProbe(long now) {
    if (probeNanos == 0) {
      return false;
    }
    long at = nextProbe;
    return now - at >= 0 && NEXT_PROBE.compareAndSet(this, at, now + probeNanos);
  }

  /**
   * A request went ahead on its own while rejecting, so it serves as this interval's probe. The
   * write is skipped unless it moves the next probe by more than an eighth of an interval, so
   * that a breaker admitting many requests does not write the field on each.
   */
  private void deferProbe(long now) {
    long next = now + probeNanos;
    if (next - nextProbe > probeNanos >> 3) {
      nextProbe = next;
    }
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

  /** The default source of draws: no allocation, no contention, no shared seed. */
  private enum ThreadLocalRandomDraw implements DoubleSupplier {
    INSTANCE;

    @Override
    public double getAsDouble() {
      return ThreadLocalRandom.current().nextDouble();
    }
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
   * in 10 buckets, {@code recent} 1 bucket, {@code probe} 1.5 s, {@code forgive} on, the system
   * ticker, no name and no listener.
   */
  public static final class Builder {
    private double success = 0.6;
    private long request = 100;
    private Duration window = Duration.ofSeconds(3);
    private int bucket = 10;
    private int recent = 1;
    private Duration probe = Duration.ofMillis(1500);
    private boolean forgive = true;
    private Ticker ticker = Ticker.system();
    private DoubleSupplier random = ThreadLocalRandomDraw.INSTANCE;
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
      this.window = Durations.positive("window", window);
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
     * How many of the newest whole buckets, together with the current one, are judged on their
     * own as well as the whole window, in [0, bucket); 0 judges the whole window only, as the
     * original does. The recent window's minimum number of requests is {@code request × recent /
     * bucket}, rounded up. Until the backend has accepted nothing in the recent window, local
     * rejections do not count there, so random failures in a few small buckets cannot feed on
     * their own rejections.
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
      this.probe = Durations.nonNegative("probe", probe);
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
     * The source of the uniform draws in [0, 1) that decide rejections; {@link
     * java.util.concurrent.ThreadLocalRandom} by default. Simulations and tests pass a seeded
     * source to make runs repeatable. It is called from every thread that uses the breaker, so it
     * must be thread-safe.
     */
    public Builder random(DoubleSupplier random) {
      this.random = Objects.requireNonNull(random, "random");
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

    /**
     * Receives this breaker's activity, reported under its {@link #name(String) name}, which must
     * then be set; {@link BreakerListener#NONE} by default.
     */
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
      if (name == null && listener != BreakerListener.NONE) {
        throw new IllegalArgumentException(
            "name must be set with a listener, was null with listener " + listener);
      }
      if (recent >= bucket) {
        throw new IllegalArgumentException(
            "recent must be less than bucket (" + bucket + "), was " + recent);
      }
      return new SreBreaker(this);
    }

    Settings settings() {
      return new Settings(success, request, window, bucket, recent, probe, forgive);
    }
  }
}
