package dev.backstop;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;

/**
 * The default {@link CircuitBreaker}: Google SRE client-side adaptive throttling.
 *
 * <p>The breaker counts, over a rolling window, the requests it let through and those it rejected
 * ({@code requests}) and those the backend accepted ({@code accepts}). While {@code requests} is
 * below a minimum, or below {@code K × accepts} with {@code K = 1 / success}, every request goes
 * ahead and the state is {@link State#CLOSED}. Otherwise the state is {@link State#OPEN} and each
 * new request is rejected with probability {@code max(0, (requests − K × accepts) / (requests +
 * 1))}. Because local rejections count as requests the backend did not accept, the backend keeps
 * receiving about {@code K} times what it accepts, enough to notice when it recovers, while the
 * rest is shed at the client at no cost to the backend.
 *
 * <h2>Beyond the original design</h2>
 *
 * <p>The defaults add three refinements, each a builder option, that make the breaker notice a
 * dead backend within a few requests and recover within seconds, without ever sending an
 * overloaded backend more than the rule allows; {@link #original()} turns all three off. The rule
 * itself never changes; only which counts feed it, and when.
 *
 * <ul>
 *   <li>{@link Builder#recent(int) recent}: the failures since the last accept are judged on their
 *       own, by the same rule with no accept, once there are so many in a row that a backend
 *       meeting the {@code success} share would rarely produce such a run among the window's
 *       requests (and at least {@code recent} of them). The original notices a dead backend only
 *       once about 40 % of the whole window has failed, and never when the window holds fewer than
 *       {@code request} requests, as with a client sending a few requests per second.
 *   <li>{@link Builder#probe(Duration) probe}: while rejecting a backend that seems dead (no accept
 *       in the window, or a run of failures as above that has lasted a tenth of the window), at
 *       least one request per probe interval goes ahead, so that a recovered backend is noticed
 *       within that interval at any rate; a younger dead spell is probed again after as long as it
 *       has lasted.
 *   <li>{@link Builder#forgive(boolean) forgive}: a success that follows a dead spell (or ends a
 *       run of successes unlikely at the {@code success} share) lets the next request through at
 *       once, and so on while the backend keeps accepting; once it has accepted a run that is too
 *       long to be chance, spread over a tenth of the window, every local rejection made so far is
 *       forgiven: they said nothing about the backend. The original keeps counting them until they
 *       leave the window, so after an outage admission grows by only about a factor {@code K} per
 *       window. An overloaded backend fails as soon as its burst is spent, so it never sustains
 *       such a run and its rejections keep counting, as in the original.
 * </ul>
 *
 * <h2>Time</h2>
 *
 * <p>Outcomes count in the bucket of the moment they are reported, and a decision is reused for at
 * most 1 ms (or a bucket, if shorter). With the default {@link Ticker#system() system ticker}, a
 * breaker called so often that reading the clock twice per call would cost more than a thread
 * reading it for everyone (a few hundred calls per millisecond where a clock read costs a few dozen
 * nanoseconds, a few dozen where it is a system call) reads instead a clock that one daemon thread
 * per JVM, {@code backstop-clock}, publishes every 0.5 ms: a decision is then reused until the next
 * tick, and an outcome counts at the last tick's time, so both lag by a tick plus however late the
 * operating system wakes the thread (on a busy 2-CPU VM, ticks came every 0.6 ms on average). The
 * thread starts when the first breaker needs it, stops when no breaker has read it for a second,
 * and ends after a minute stopped; a breaker called less often, or whose buckets are shorter than
 * 25 ms, reads the system clock on every call, as does {@link #original()}. The system property
 * {@code dev.backstop.clockThread=false} turns the thread off for the JVM (it is read once, when
 * the first breaker is made).
 *
 * <p>Instances are thread-safe; {@link #allow()}, {@link #markSuccess()}, {@link #markFailed()}
 * and {@link #markRejected()} take no lock and allocate nothing (except one small frame per
 * bucket, when a bucket ends).
 */
public final class SreBreaker implements CircuitBreaker {

  /*
   * How it works.
   *
   * Window. Counts live in a Window (requests and accepts packed in one striped adder, local
   * rejections in another, frames of bucket starts); see its comment. Every mark and every
   * decision passes the time, read from the current Timing's clock, so an outcome reported long
   * after its request counts in the bucket of the moment it was reported.
   *
   * Decision cache. Reading the sums means reading counter cells that other threads write, so on
   * several cores every call would pull other cores' cache lines. allow() therefore reuses the
   * last decision: a plain double published by the volatile write of the time it was made. How
   * long is the Timing's: on the ticker, while it is younger than 1 ms (or a bucket, if shorter),
   * but never at the very time it was made, so a ticker that does not move (a test's) always gets
   * a fresh one; on a coarse clock, until the clock moves. original() turns the cache off: it
   * decides afresh on every call, exactly as the original design. state(), snapshot() and
   * toString() always decide afresh.
   *
   * Time. A clock read costs a few dozen ns where the clock is in the vDSO and about a
   * microsecond where it is a system call, twice per call (allow, mark). The breaker's Timing is
   * either its ticker's or, for the system ticker with buckets of 25 ms or more, the SharedClock's:
   * a field one daemon thread per JVM writes every 0.5 ms, so a call reads no clock at all. The
   * thread costs CPU of its own every tick (ClockCost measures it), so a breaker moves to it only
   * when it is busy: each fresh decision judges the pace of the calls (marks counted in the
   * window's adders) since the last judgement, at least 250 µs before; at SharedClock's busy pace
   * or more a breaker on its ticker moves to the clock, below a quarter of it a breaker on the
   * clock moves back, and so does one idle for over a second or on a clock that could not start
   * its thread. The move is a plain flag choosing between the two timings of the final `base`, so
   * a thread that sees a breaker through a data race reads its ticker. The flag and the pace
   * fields are plain and racy: a lost update only delays a move by a judgement. The clock lags
   * the system clock by at most a tick plus the thread's wake-up delay, and may read a few
   * microseconds behind the ticker right after a move or a restart: time that moves back that
   * little only makes a decision fresh again (negative age), keeps a record in the current
   * bucket, or delays a probe by as much. After an idle gap the clock is either running (fresh)
   * or stopped, and a stopped clock's read is a read of the system clock, so the breaker behaves
   * as a new one either way.
   *
   * Decision. The whole window is judged as in the original, every unforgiven local rejection
   * counting as a request that was not accepted. With `recent` on, the failure run is judged too:
   * `failRun` counts the failures since the last accept (markFailed adds one, markSuccess resets
   * it to zero only when it is not already zero, so the healthy path only reads it). A run of n
   * failures is significant when the window's requests R, each a chance to start one, would
   * produce it with probability at most 10 % if the backend failed a share 1 − success:
   * R · (1 − success)^n ≤ 10 %, and n ≥ recent. A significant run is judged with the rule as
   * requests = n + the rejections made since the run began (at most those in the window),
   * accepts = 0, minimum = the threshold; the larger probability wins. After an idle gap (a
   * window with no request at all) an old run is dropped. The draw is a parameter of the decision
   * (allow(double)) so tests can pin it.
   *
   * Dead spell. A significant run that has also lasted a tenth of the window is a dead spell;
   * a shorter one is a burst of failures such as an overloaded backend produces when its token
   * bucket runs dry, judged like any run but not taken as death: it opens no probe and starts no
   * chain.
   *
   * Probe. While rejecting a backend that seems dead (no accept in the window, a dead spell, or a
   * chain), the probe slot lets one request through per interval: the probe option, or for a
   * significant run younger than that, the run's age (at least a tenth of the window), so that a
   * short dead spell (an exhausted quota) is retried within its second. The slot is claimed with
   * a CAS; a request that the draw admits while rejecting pushes the next probe back (a plain
   * write, skipped unless it moves the probe by more than an eighth of an interval: a lost update
   * only moves a probe by less than an interval).
   *
   * Chain and forgiveness. markSuccess, while the breaker is open, counts the successes since the
   * last failure (`okRun`). A success starts a chain when the backend seemed dead (no accept in
   * the window, a dead spell just ended, or one ended within the last window), or when okRun
   * reaches R · success^n ≤ 50 % (at least 3) over at least a tenth of the window (a backend that
   * is failing no more: the end of a partial outage or of a ramp). During a chain every success
   * opens the probe slot at once, so the next request goes through; a failure ends the chain. A
   * chain that reaches the success threshold, R · success^n ≤ 1 % and n ≥ 3, over at least a
   * tenth of the window forgives every rejection made so far: `forgiven` moves to the current
   * count, and the rule counts only rejections after it. An overloaded backend cannot sustain
   * such a chain: it fails as soon as its burst is spent, at the cost of one request.
   *
   * Races on purpose. The sums are not atomic snapshots: a mark that lands while a decision sums
   * may or may not be seen, which moves the probability by at most one request's worth. The run
   * and chain counters are heuristics: a success and a failure racing may leave either count, and
   * a reset may lose a concurrent increment; either way the error is one request. Forgiving is
   * monotonic (the larger count wins). `forgiven` is read before the rejection sum, so a
   * forgiveness in between can only make the count smaller, and counts are clamped at zero.
   *
   * Events. A decision whose state differs from the last reported one marks the breaker dirty
   * and tries to become the single emitter (a CAS on `emitting`). The emitter takes a fresh
   * snapshot and reports it if its state differs from the last reported, until they agree; after
   * letting go it looks again if another decision marked the breaker dirty meanwhile. A listener
   * thus sees states alternate, one event at a time, and the last event it sees is the
   * breaker's state when things settled.
   */

  private static final double CLOSED = -1;
  /** How long allow() reuses a decision before it reads the counts again. */
  private static final long REFRESH_NANOS = 1_000_000;
  /** The shortest bucket for which the shared clock's ticks are fine enough (a 2 % error). */
  private static final long SHARED_MIN_BUCKET_NANOS = 25_000_000;
  /** Pace is judged over at least this long between two fresh decisions, and at most a second. */
  private static final long PACE_MIN_NANOS = 250_000;
  private static final long PACE_MAX_NANOS = 1_000_000_000;
  /**
   * The default: the system ticker, reusing a decision for up to 1 ms, paired with the shared
   * clock (if its thread is not turned off). One for all such breakers, as it is immutable.
   */
  private static final Timing SYSTEM =
      new Timing(Ticker.system(), REFRESH_NANOS, SharedClock.system());
  /** The same, for a breaker that never moves to the shared clock. */
  private static final Timing SYSTEM_ALONE = new Timing(Ticker.system(), REFRESH_NANOS, null);
  /** A run of failures is significant below this chance (10 %) among the window's requests. */
  private static final double LOG_RUN_CHANCE = Math.log(0.1);
  /** A run of successes (a chain) forgives below this chance (1 %) among them. */
  private static final double LOG_CHAIN_CHANCE = Math.log(0.01);
  /** A run of successes starts a chain below this chance (50 %) among them. */
  private static final double LOG_START_CHANCE = Math.log(0.5);
  /** The fewest successes in a row that can start a chain or forgive. */
  private static final long MIN_CHAIN = 3;
  private static final NotAllowedException UNNAMED = new NotAllowedException(null);

  private static final VarHandle NEXT_PROBE;
  private static final VarHandle FORGIVEN;
  private static final VarHandle FAIL_RUN;
  private static final VarHandle OK_RUN;
  private static final VarHandle CHAIN_COUNT;
  private static final VarHandle EMITTING;

  static {
    try {
      MethodHandles.Lookup lookup = MethodHandles.lookup();
      NEXT_PROBE = lookup.findVarHandle(SreBreaker.class, "nextProbe", long.class);
      FORGIVEN = lookup.findVarHandle(SreBreaker.class, "forgiven", long.class);
      FAIL_RUN = lookup.findVarHandle(SreBreaker.class, "failRun", long.class);
      OK_RUN = lookup.findVarHandle(SreBreaker.class, "okRun", long.class);
      CHAIN_COUNT = lookup.findVarHandle(SreBreaker.class, "chainCount", long.class);
      EMITTING = lookup.findVarHandle(SreBreaker.class, "emitting", boolean.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final long request;
  private final int recent;
  private final long windowNanos;
  private final long tickNanos;
  private final long probeNanos;
  private final boolean forgive;
  private final double success;
  private final double logFail;
  private final double logOk;
  private final DoubleSupplier random;
  private final String name;
  /** Set at construction, or by {@link #reportTo} before the breaker is published. */
  private Notifier notifier;
  /** Made on the first rejection: most breakers never reject. */
  private volatile NotAllowedException rejection;
  private final Window window;

  /**
   * The timing of the builder's ticker, paired ({@code base.other}) with that of the shared clock
   * if the breaker may read it while it is busy.
   */
  private final Timing base;
  /**
   * Whether the breaker reads {@code base.other}, the coarse clock, rather than {@code base}. A
   * plain field swapped by fresh decisions: a thread that sees it late reads the other timing for
   * a few more calls, and one that sees the breaker published without synchronisation still finds
   * {@code base} (final) and reads its ticker.
   */
  private boolean coarse;
  /** When the pace was last judged, and the marks counted then (racy on purpose: a heuristic). */
  private long pacedAt;
  private long pacedMarks;

  /** The last decision, published by the volatile write of {@link #decidedAt} that follows it. */
  private double decided;
  private volatile long decidedAt;

  // What the last decision saw, for the marks and the probe; each written only when it changes.
  private volatile boolean open;
  private volatile boolean starved;
  private volatile boolean dead;
  private volatile long failThreshold = Long.MAX_VALUE;
  private volatile long okThreshold = MIN_CHAIN;
  private volatile long startThreshold = MIN_CHAIN;
  private volatile long probeInterval;

  private volatile long nextProbe;
  private volatile long forgiven;
  private volatile long failRun;
  private volatile long runStart;
  private volatile long runStartRejections;
  private volatile long lastDead;
  private volatile long okRun;
  private volatile long okRunStart;
  private volatile boolean chain;
  private volatile long chainStart;
  private volatile long chainCount;

  private volatile State reported = State.CLOSED;
  private volatile boolean dirty;
  private volatile boolean emitting;

  private SreBreaker(Builder builder) {
    this.success = builder.success;
    this.request = builder.request;
    this.recent = builder.recent;
    this.windowNanos = builder.window.toNanos();
    long bucketNanos = windowNanos / builder.bucket;
    this.tickNanos = Math.max(1, windowNanos / 10);
    this.probeNanos = builder.probe.toNanos();
    this.forgive = builder.forgive;
    this.logFail = Math.log(1 - builder.success);
    this.logOk = Math.log(Math.min(builder.success, 0.99));
    this.random = builder.random;
    this.name = builder.name;
    this.notifier =
        builder.listener == BreakerListener.NONE ? null : new Notifier(builder.listener, name);
    long refresh = builder.exact ? 0 : Math.min(REFRESH_NANOS, bucketNanos);
    Ticker ticker = builder.ticker;
    Coarse clock = ticker == Ticker.system() ? SharedClock.system() : null;
    if (ticker instanceof Coarse c) {
      clock = c;
      ticker = c.source();
    }
    if (refresh == 0 || bucketNanos < SHARED_MIN_BUCKET_NANOS) {
      clock = null;
    }
    if (ticker == Ticker.system()
        && refresh == REFRESH_NANOS
        && (clock == null || clock == SharedClock.system())) {
      this.base = clock == null ? SYSTEM_ALONE : SYSTEM;
    } else {
      this.base = new Timing(ticker, refresh, clock);
    }
    long now = ticker.read();
    this.window = new Window(builder.bucket, bucketNanos, now);
    this.nextProbe = now;
    this.probeInterval = probeNanos;
    this.lastDead = now - 2 * windowNanos;
    this.decidedAt = now - refresh;
    this.pacedAt = now;
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
   * Returns a builder set to the original SRE design: the whole window only ({@code recent} 0),
   * no probe, and local rejections counted as failures until they leave the window ({@code
   * forgive} off). A breaker built from it decides afresh on every call, exactly as the original
   * middleware does, whatever options are changed after; use it to reproduce that behaviour, for
   * example while migrating from it.
   */
  public static Builder original() {
    Builder b = new Builder().recent(0).probe(Duration.ZERO).forgive(false);
    b.exact = true;
    return b;
  }

  @Override
  public void allow() {
    Timing t = timing();
    long now = t.clock.read();
    double p = decision(t, now);
    admit(now, p, p > 0 ? random.getAsDouble() : 1);
  }

  /** {@link #allow()} with the uniform draw in [0, 1) given, so tests can pin the decision. */
  void allow(double draw) {
    Timing t = timing();
    long now = t.clock.read();
    admit(now, decision(t, now), draw);
  }

  /**
   * The rejection probability (or {@link #CLOSED}) for a request at {@code now}, read from {@code
   * t}: the cached one while {@code t} reuses it, else a fresh one.
   */
  private double decision(Timing t, long now) {
    long age = now - decidedAt;
    if (age >= t.from && age < t.until) {
      return decided;
    }
    double p = evaluate(now, null);
    if (t.until > 0) {
      decided = p;
      decidedAt = now;
      if (t.other != null) {
        pace(t, now);
      }
    }
    if (notifier != null && (p == CLOSED ? State.CLOSED : State.OPEN) != reported) {
      dirty = true;
      emit();
    }
    return p;
  }

  /**
   * Moves the breaker to the shared clock when the calls since the last judgement came at {@link
   * SharedClock#BUSY_CALLS_PER_MS} or more, and back to its ticker below {@link
   * SharedClock#QUIET_CALLS_PER_MS} or when the clock is {@link Coarse#broken() broken} (a clock
   * that reads its source on every call would make every call a fresh decision).
   */
  private void pace(Timing t, long now) {
    long elapsed = now - pacedAt;
    if (elapsed < PACE_MIN_NANOS) {
      return; // too short to judge, or another thread has just judged
    }
    long marks = Window.requests(window.outcomes()) + window.rejections();
    long calls = marks - pacedMarks;
    pacedAt = now;
    pacedMarks = marks;
    long perMs = t.coarse ? SharedClock.QUIET_CALLS_PER_MS : SharedClock.BUSY_CALLS_PER_MS;
    boolean busy =
        elapsed <= PACE_MAX_NANOS
            && calls * 1_000_000 >= perMs * elapsed
            && !((Coarse) (t.coarse ? t : t.other).clock).broken();
    if (busy != t.coarse) {
      coarse = busy;
    }
  }

  /** Where the breaker reads time now: its ticker's timing, or the coarse clock's. */
  private Timing timing() {
    Timing b = base;
    return coarse ? b.other : b;
  }

  /** Whether the breaker reads a coarse clock now rather than its ticker; for tests. */
  boolean onCoarseClock() {
    return coarse;
  }

  /** Rejects if and only if {@code draw < probability}, unless the probe slot is free. */
  private void admit(long now, double probability, double draw) {
    if (draw < probability) {
      if (!claimProbe(now)) {
        throw rejection();
      }
    } else if (probability > 0 && probeNanos > 0) {
      deferProbe(now);
    }
  }

  /** The breaker's rejection, made on first use (racing threads may make two; either will do). */
  private NotAllowedException rejection() {
    NotAllowedException r = rejection;
    if (r == null) {
      r = name == null ? UNNAMED : new NotAllowedException(name);
      rejection = r;
    }
    return r;
  }

  @Override
  public void markSuccess() {
    long now = timing().clock.read();
    window.success(now);
    boolean endedDeadRun = false;
    if (recent > 0) {
      long run = failRun;
      if (run != 0) {
        endedDeadRun = run >= failThreshold && now - runStart >= tickNanos;
        if (endedDeadRun) {
          lastDead = now;
        }
        failRun = 0;
      }
    }
    if (forgive && (open || chain)) {
      succeededWhileOpen(now, endedDeadRun);
    }
  }

  @Override
  public void markFailed() {
    long now = timing().clock.read();
    window.failure(now);
    if (recent > 0 && (long) FAIL_RUN.getAndAdd(this, 1L) == 0) {
      runStart = now;
      runStartRejections = window.rejections();
    }
    if (forgive) {
      if (okRun != 0) {
        okRun = 0;
      }
      if (chain) {
        chain = false;
      }
    }
  }

  /**
   * Records a local rejection. It counts as a request the backend did not accept, as in the
   * original design, until it leaves the window or, with {@link Builder#forgive(boolean)
   * forgive}, is forgiven.
   */
  @Override
  public void markRejected() {
    window.rejection(timing().clock.read());
  }

  /** Returns {@link State#OPEN} if the rejection rule is in force now, else {@link State#CLOSED}. */
  public State state() {
    return snapshot().state();
  }

  /** Returns the counts of the whole window and the decision they lead to, now. */
  public Snapshot snapshot() {
    long[] counts = new long[2];
    double p = evaluate(timing().clock.read(), counts);
    return new Snapshot(
        counts[0],
        Math.min(counts[1], counts[0]),
        Math.max(p, 0),
        p == CLOSED ? State.CLOSED : State.OPEN);
  }

  /** Returns the settings this breaker was built with. */
  public Settings settings() {
    return new Settings(
        success,
        request,
        Duration.ofNanos(windowNanos),
        window.buckets(),
        recent,
        Duration.ofNanos(probeNanos),
        forgive);
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
   * Returns the shortest run of failures that is significant among {@code requests} chances:
   * {@code requests × (1 − success)^n ≤ 10 %}, and at least {@code recent}.
   */
  long failThreshold(long requests) {
    return failThreshold(Math.log(Math.max(1, requests)));
  }

  /**
   * Returns the shortest run of successes that forgives among {@code requests} chances: {@code
   * requests × success^n ≤ 1 %}, and at least 3.
   */
  long okThreshold(long requests) {
    return successRun(LOG_CHAIN_CHANCE, Math.log(Math.max(1, requests)));
  }

  private long failThreshold(double logRequests) {
    return Math.max(recent, (long) Math.ceil((LOG_RUN_CHANCE - logRequests) / logFail));
  }

  private long successRun(double logChance, double logRequests) {
    return Math.max(MIN_CHAIN, (long) Math.ceil((logChance - logRequests) / logOk));
  }

  /**
   * Returns the rejection probability now, or {@link #CLOSED}, and records what it saw for the
   * marks and the probe. If {@code counts} is given, stores the whole window's requests (with the
   * counted rejections) and accepts in it.
   */
  private double evaluate(long now, long[] counts) {
    Window.Frame f = window.current(now);
    // Read the forgiveness point before the rejections it forgives: a forgiveness in between can
    // then only make the count smaller, never negative.
    long forgivenAt = forgive ? forgiven : 0;
    long packed = Window.inWindow(f, window.outcomes());
    long rejections = window.rejections();
    long requests = Window.requests(packed);
    long accepts = Window.accepts(packed);
    long rejected = Window.rejectionsInWindow(f, rejections, forgivenAt);
    if (counts != null) {
      counts[0] = requests + rejected;
      counts[1] = accepts;
    }
    double k = 1 / success;
    double p = judge(requests + rejected, accepts, request, k);
    boolean isDead = false;
    long interval = probeNanos;
    // Only the runs need it: the original, which decides afresh on every call, skips the log.
    double logRequests = recent > 0 || forgive ? Math.log(Math.max(1, requests)) : 0;
    if (recent > 0) {
      long run = failRun;
      if (run != 0 && requests == 0 && rejected == 0) {
        // An idle gap longer than the window: start afresh, like a new breaker.
        FAIL_RUN.compareAndSet(this, run, 0L);
        run = 0;
      }
      long threshold = failThreshold(logRequests);
      if (failThreshold != threshold) {
        failThreshold = threshold;
      }
      if (run >= threshold) {
        long since = Math.max(0, rejections - Math.max(runStartRejections, forgivenAt));
        p = Math.max(p, judge(run + Math.min(rejected, since), 0, threshold, k));
        long age = now - runStart;
        if (accepts > 0 && age < probeNanos) {
          interval = Math.max(tickNanos, age);
        }
        // A dead spell, rather than a burst of failures from an overloaded backend: the run has
        // also lasted a tenth of the window.
        if (age >= tickNanos) {
          isDead = true;
          if (now - lastDead > tickNanos) {
            lastDead = now;
          }
        }
      }
    }
    if (forgive) {
      long threshold = successRun(LOG_CHAIN_CHANCE, logRequests);
      if (okThreshold != threshold) {
        okThreshold = threshold;
      }
      long start = successRun(LOG_START_CHANCE, logRequests);
      if (startThreshold != start) {
        startThreshold = start;
      }
    }
    boolean isStarved = accepts == 0;
    boolean isOpen = p > 0;
    if (dead != isDead) {
      dead = isDead;
    }
    if (starved != isStarved) {
      starved = isStarved;
    }
    if (open != isOpen) {
      open = isOpen;
    }
    if (probeInterval != interval) {
      probeInterval = interval;
    }
    return p;
  }

  /** A success while the breaker rejects: starts or extends a chain, which may forgive. */
  private void succeededWhileOpen(long now, boolean endedDeadRun) {
    long ok = (long) OK_RUN.getAndAdd(this, 1L) + 1;
    if (ok == 1) {
      okRunStart = now;
    }
    long threshold = okThreshold;
    boolean inChain = chain;
    if (!inChain) {
      boolean seemedDead =
          endedDeadRun || starved || dead || now - lastDead < windowNanos;
      if (seemedDead || (ok >= startThreshold && now - okRunStart >= tickNanos)) {
        chainStart = now;
        chainCount = 0;
        chain = true;
        inChain = true;
      }
    }
    if (inChain) {
      long count = (long) CHAIN_COUNT.getAndAdd(this, 1L) + 1;
      nextProbe = now;
      if (count >= threshold && now - chainStart >= tickNanos) {
        forgiveAll();
        chain = false;
        okRun = 0;
      }
    }
  }

  private boolean claimProbe(long now) {
    if (probeNanos == 0 || !(starved || dead || chain)) {
      return false;
    }
    long at = nextProbe;
    return now - at >= 0 && NEXT_PROBE.compareAndSet(this, at, now + probeInterval);
  }

  /**
   * A request went ahead on its own while rejecting, so it serves as this interval's probe. The
   * write is skipped unless it moves the next probe by more than an eighth of an interval, so
   * that a breaker admitting many requests does not write the field on each.
   */
  private void deferProbe(long now) {
    long interval = probeInterval;
    long next = now + interval;
    if (next - nextProbe > interval >> 3) {
      nextProbe = next;
    }
  }

  private void forgiveAll() {
    long count = window.rejections();
    long at;
    do {
      at = forgiven;
      if (at >= count) {
        return;
      }
    } while (!FORGIVEN.compareAndSet(this, at, count));
  }

  /**
   * Makes {@code notifier} receive this breaker's state changes if no listener was given to its
   * builder. {@link Backstop} calls it on the breakers its factory makes, before they are
   * published, so that every {@code SreBreaker} of a {@code Backstop} with a listener reports its
   * state changes there.
   */
  void reportTo(Notifier notifier) {
    if (this.notifier == null) {
      this.notifier = notifier;
    }
  }

  /** Reports state changes one at a time, until the reported state is the breaker's own. */
  private void emit() {
    do {
      if (!EMITTING.compareAndSet(this, false, true)) {
        return; // the emitter will see the dirty flag when it lets go
      }
      try {
        while (true) {
          dirty = false;
          Snapshot s = snapshot();
          if (s.state() == reported) {
            break;
          }
          reported = s.state();
          notifier.stateChanged(s);
        }
      } finally {
        emitting = false;
      }
    } while (dirty);
  }

  /**
   * Where a breaker reads time, and how long it reuses a decision: one made at time {@code d} is
   * reused at time {@code n} while {@code from <= n - d < until}. A ticker's timing reuses a
   * decision for up to the refresh interval, but never at the very time it was made; a coarse
   * clock's, until the clock moves. The two of a breaker that may move to a coarse clock point at
   * each other; a breaker's flag says which it reads. Not changed once the breaker is built.
   */
  private static final class Timing {
    final Ticker clock;
    final long from;
    final long until;
    final boolean coarse;
    /** The breaker's other timing: the coarse clock's for its ticker's and back, or null. */
    Timing other;

    private Timing(Ticker clock, long from, long until, boolean coarse) {
      this.clock = clock;
      this.from = from;
      this.until = until;
      this.coarse = coarse;
    }

    /**
     * The timing of {@code ticker} reusing a decision for up to {@code refresh} ns (none if 0),
     * paired with that of {@code coarse} if it is not null.
     */
    Timing(Ticker ticker, long refresh, Coarse coarse) {
      this(ticker, 1, refresh, false);
      if (coarse != null) {
        other = new Timing(coarse, 0, 1, true);
        other.other = this;
      }
    }
  }

  /** The default source of draws: no allocation, no contention, no shared seed. */
  private enum ThreadLocalRandomDraw implements DoubleSupplier {
    INSTANCE;

    @Override
    public double getAsDouble() {
      return ThreadLocalRandom.current().nextDouble();
    }
  }

  /**
   * The settings of a breaker, as built.
   *
   * @param success the share of requests the backend must accept; {@code K = 1 / success}
   * @param request the minimum number of requests in the window before the whole window is judged
   * @param window the length of the rolling window
   * @param bucket the number of buckets the window is divided into
   * @param recent the fewest failures in a row that are judged on their own; 0 for never
   * @param probe the longest time between two requests let through to a backend that seems dead;
   *     zero for none
   * @param forgive whether local rejections are forgiven once the backend accepts a long run
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
   * in 10 buckets, {@code recent} 7, {@code probe} 1.5 s, {@code forgive} on, the system ticker,
   * no name and no listener; {@link #settings()} returns them.
   */
  public static final class Builder {
    /** The most buckets a window may have. */
    private static final int MAX_BUCKETS = 1000;
    /** The longest run of failures that can be required before judging it on its own. */
    private static final int MAX_RECENT = 1000;

    private static final Duration WINDOW = Duration.ofSeconds(3);
    private static final Duration PROBE = Duration.ofMillis(1500);

    private double success = 0.6;
    private long request = 100;
    private Duration window = WINDOW;
    private int bucket = 10;
    private int recent = 7;
    private Duration probe = PROBE;
    private boolean forgive = true;
    private Ticker ticker = Ticker.system();
    private DoubleSupplier random = ThreadLocalRandomDraw.INSTANCE;
    private String name;
    private BreakerListener listener = BreakerListener.NONE;
    /** Set by {@link SreBreaker#original()}: decide afresh on every call. */
    private boolean exact;

    private Builder() {}

    /**
     * The share of requests the backend must accept for the breaker to stay closed, in [0.01, 1].
     * The rejection rule uses {@code K = 1 / success}; 0.6 gives K ≈ 1.67.
     */
    public Builder success(double success) {
      if (!(success >= 0.01 && success <= 1)) {
        throw new IllegalArgumentException("success must be in [0.01, 1], was " + success);
      }
      this.success = success;
      return this;
    }

    /**
     * The minimum number of requests (sent or rejected) in the window before the whole window is
     * judged, >= 0.
     */
    public Builder request(long request) {
      if (request < 0) {
        throw new IllegalArgumentException("request must be >= 0, was " + request);
      }
      this.request = request;
      return this;
    }

    /** The length of the rolling window, in (0, 365 days]. */
    public Builder window(Duration window) {
      this.window = Durations.positive("window", window);
      return this;
    }

    /** The number of buckets the window is divided into, in [1, 1000]. */
    public Builder bucket(int bucket) {
      if (bucket < 1 || bucket > MAX_BUCKETS) {
        throw new IllegalArgumentException(
            "bucket must be in [1, " + MAX_BUCKETS + "], was " + bucket);
      }
      this.bucket = bucket;
      return this;
    }

    /**
     * The fewest failures in a row, with no accept among them, that are judged on their own, in
     * [0, 1000]; 0 judges the whole window only, as the original does. A run is judged only once
     * it is also long enough to be significant: a backend that fails the share {@code 1 −
     * success} of the window's requests would produce it with probability at most 10 %. Such a
     * run is judged by the same rule with no accept, counting the rejections made since it began.
     */
    public Builder recent(int recent) {
      if (recent < 0 || recent > MAX_RECENT) {
        throw new IllegalArgumentException(
            "recent must be in [0, " + MAX_RECENT + "], was " + recent);
      }
      this.recent = recent;
      return this;
    }

    /**
     * While rejecting a backend that seems dead, let at least one request through per {@code
     * probe} interval, so that a recovered backend is noticed within that time at any request
     * rate. Zero turns probing off.
     */
    public Builder probe(Duration probe) {
      this.probe = Durations.nonNegative("probe", probe);
      return this;
    }

    /**
     * Whether a run of successes after a dead spell is followed up at once and, once it is too
     * long to be chance, forgives every local rejection made so far. Off, rejections count as
     * failures until they leave the window, as in the original design.
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
     * Receives this breaker's state changes ({@link BreakerListener#stateChanged}), reported under
     * its {@link #name(String) name}, which must then be set; {@link BreakerListener#NONE} by
     * default. Calls are reported by a {@link Backstop} with a {@link
     * Backstop.Builder#listener(BreakerListener) listener}, whatever breaker guards them; the
     * {@code SreBreaker}s of such a {@code Backstop} report their state changes to its listener
     * unless they were given one here.
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
      return new SreBreaker(this);
    }

    /** Returns the settings a breaker built now would have. */
    public Settings settings() {
      return new Settings(success, request, window, bucket, recent, probe, forgive);
    }
  }
}
