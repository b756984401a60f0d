package dev.backstop.benchmarks;

import dev.backstop.Backstop;
import dev.backstop.BreakerListener;
import dev.backstop.CircuitBreaker;
import dev.backstop.Group;
import dev.backstop.NotAllowedException;
import dev.backstop.SreBreaker;
import dev.backstop.micrometer.BackstopMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Backstop's hot paths, each on one instance shared by all benchmark threads.
 *
 * <p>Thread-safe: every state is a thread-safe Backstop object.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class BackstopBenchmarks {

  /**
   * The share of calls the shed benchmark's breaker must reject, checked around every iteration.
   */
  static final double MIN_REJECT_SHARE = 0.99;

  /** A breaker with the default settings whose backend accepts everything. */
  @State(Scope.Benchmark)
  public static class Healthy {
    final SreBreaker breaker = SreBreaker.create();
  }

  /**
   * A breaker with the default settings whose backend has failed every request, so that it rejects
   * nearly every call. Setup and every iteration's teardown check that it really does.
   */
  @State(Scope.Benchmark)
  public static class Shedding {
    final SreBreaker breaker = SreBreaker.create();

    /** Drives the breaker into rejection with failing calls, then checks it rejects. */
    @Setup(Level.Trial)
    public void fill() {
      driveToShedding(breaker, SHEDDING_WITHIN);
    }

    /** Checks, after each iteration, that the breaker still rejects nearly every call. */
    @TearDown(Level.Iteration)
    public void stillShedding() {
      checkShedding(breaker, "after an iteration");
    }
  }

  /**
   * How long {@link #driveToShedding} may take before it gives up: far beyond any decision's age.
   */
  static final Duration SHEDDING_WITHIN = Duration.ofSeconds(10);

  /**
   * Makes calls of a caller whose backend fails everything, in batches of 1 000, until a whole
   * batch is rejected at {@link #MIN_REJECT_SHARE} or more, then checks that 10 000 more are too.
   *
   * <p>The breaker reuses a decision for up to a millisecond of its ticker's time, so a fixed
   * number of calls proves nothing: a machine that makes 10 000 calls within the millisecond after
   * the first one has only ever seen the decision made on an empty window, to let everything
   * through. Waiting for rejections instead ends as soon as the breaker sheds, however many calls
   * fit in its decision's lifetime.
   *
   * @throws IllegalStateException if the breaker does not shed within {@code limit} of wall time
   */
  static void driveToShedding(SreBreaker breaker, Duration limit) {
    long deadline = System.nanoTime() + limit.toNanos();
    double share;
    do {
      share = rejectShare(breaker, 1_000);
    } while (share < MIN_REJECT_SHARE && System.nanoTime() - deadline < 0);
    checkShedding(breaker, "after filling");
  }

  /**
   * Throws unless {@code breaker} is open and rejects at least {@link #MIN_REJECT_SHARE} of 10 000
   * calls of a caller whose backend fails everything.
   */
  static void checkShedding(SreBreaker breaker, String when) {
    double share = rejectShare(breaker, 10_000);
    if (share < MIN_REJECT_SHARE || breaker.state() != dev.backstop.State.OPEN) {
      throw new IllegalStateException(
          "shed benchmark's breaker must reject at least "
              + MIN_REJECT_SHARE
              + " of calls "
              + when
              + ", rejected "
              + share
              + ": "
              + breaker);
    }
  }

  /**
   * A breaker whose minimum number of requests is more than a window can hold, so it stays closed
   * however many requests fail: every call pays allow + markFailed. (A breaker that opens is the
   * shed benchmark.)
   */
  @State(Scope.Benchmark)
  public static class Failing {
    final SreBreaker breaker = SreBreaker.builder().request(Integer.MAX_VALUE).recent(0).build();
  }

  /** A group of default breakers that already holds the benchmark's key. */
  @State(Scope.Benchmark)
  public static class Grouped {
    final Group<SreBreaker> group = Group.create(operation -> SreBreaker.create());
    String key = "users.get";

    /** Creates the key's breaker, so the benchmark only ever finds it. */
    @Setup(Level.Trial)
    public void createKey() {
      group.get(key);
    }
  }

  /** The middleware with its defaults, and an action that returns at once. */
  @State(Scope.Benchmark)
  public static class Middleware {
    final Backstop backstop = Backstop.create();
    final Backstop.Action<String, RuntimeException> action = () -> "ok";
    String operation = "users.get";
  }

  /** A breaker with the default settings and a listener that does nothing. */
  @State(Scope.Benchmark)
  public static class Listened {
    final SreBreaker breaker =
        SreBreaker.builder().name("users.get").listener(new BreakerListener() {}).build();
  }

  /** The middleware with its defaults, measured by Micrometer into a simple registry. */
  @State(Scope.Benchmark)
  public static class Metered {
    final BackstopMetrics metrics = BackstopMetrics.create();
    final Backstop backstop = Backstop.builder().listener(metrics).build();
    final Backstop.Action<String, RuntimeException> action = () -> "ok";
    String operation = "users.get";

    @Setup(Level.Trial)
    public void bind() {
      metrics.monitor(backstop).bindTo(new SimpleMeterRegistry());
    }
  }

  /** The healthy path with a listener registered: what the event mechanism itself costs. */
  @Benchmark
  public void healthyListened(Listened s) {
    s.breaker.allow();
    s.breaker.markSuccess();
  }

  /** {@link Backstop#call} with {@code backstop-micrometer}'s listener counting every event. */
  @Benchmark
  public String callMetered(Metered s) throws Exception {
    return s.backstop.call(s.operation, s.action);
  }

  /** The healthy path: allow, then record a success. */
  @Benchmark
  public void healthy(Healthy s) {
    s.breaker.allow();
    s.breaker.markSuccess();
  }

  /**
   * The shed path, as {@link Backstop#call} takes it: allow throws, the rejection is recorded. The
   * rare call let through (the probe, or a draw above the probability) fails at the backend.
   */
  @Benchmark
  public void shed(Shedding s) {
    SreBreaker breaker = s.breaker;
    try {
      breaker.allow();
    } catch (NotAllowedException e) {
      breaker.markRejected();
      return;
    }
    breaker.markFailed();
  }

  /** Allow, then record a failure, on a breaker that stays closed. */
  @Benchmark
  public void failed(Failing s) {
    s.breaker.allow();
    s.breaker.markFailed();
  }

  /** {@link Group#get} on a key the group holds. */
  @Benchmark
  public SreBreaker groupGet(Grouped s) {
    return s.group.get(s.key);
  }

  /** {@link Backstop#call} with an action that returns a constant: group lookup, allow, success. */
  @Benchmark
  public String call(Middleware s) throws Exception {
    return s.backstop.call(s.operation, s.action);
  }

  /**
   * Calls {@code breaker} {@code n} times as a caller whose backend fails everything would, and
   * returns the share of calls it rejected.
   */
  static double rejectShare(CircuitBreaker breaker, int n) {
    int rejected = 0;
    for (int i = 0; i < n; i++) {
      try {
        breaker.allow();
      } catch (NotAllowedException e) {
        breaker.markRejected();
        rejected++;
        continue;
      }
      breaker.markFailed();
    }
    return (double) rejected / n;
  }
}
