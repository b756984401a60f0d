package dev.backstop.drill;

import dev.backstop.Backstop;
import dev.backstop.CircuitBreaker;
import dev.backstop.NotAllowedException;
import dev.backstop.Snapshot;
import dev.backstop.SreBreaker;
import dev.backstop.Ticker;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiFunction;
import java.util.function.DoubleSupplier;

/**
 * Runs a {@link Scenario} in simulated time through the real {@link Backstop} middleware.
 *
 * <p>Each run builds a fresh {@link Backstop} over a {@link Group} of breakers made by the {@link
 * Builder#breaker(Function) breaker factory}, all reading one fake {@link Ticker}. Requests arrive
 * at the configured rate; for each one the clock jumps to its arrival time and {@link
 * Backstop#call} runs it against a simulated backend that answers at once, so an 80 s scenario at
 * 5 000 requests per second takes a fraction of a second and nothing sleeps.
 *
 * <pre>{@code
 * Simulation.Result result = Simulation.builder(Scenario.outage())
 *     .rps(500)
 *     .breaker((ticker, random) -> SreBreaker.original().ticker(ticker).random(random).build())
 *     .build()
 *     .run();
 * double leak = result.metrics().leak();
 * }</pre>
 *
 * <p>A run is a pure function of its settings: the same scenario, rate, arrivals, seed and breaker
 * settings give the same timeline, as long as the breaker draws from the source it is given.
 * Instances are immutable and thread-safe; each {@link #run()} is
 * independent and single-threaded.
 */
public final class Simulation {

  /*
   * How it works. Single-threaded event loop: arrival times come from Arrivals in nanoseconds from
   * 0; the fake ticker reads ORIGIN + arrival (an odd, negative origin, so no breaker can depend
   * on time starting at zero). Slots are closed lazily when the first arrival of a later slot (or
   * the end of the run) is reached; closing a slot moves the clock to the slot's end and reads the
   * breaker's snapshot there, which is what the chart plots as the rejection probability. Reading
   * a snapshot only rotates the breaker's window as the next allow() would, so it does not change
   * any decision. The backend's state (the token bucket, the random draws) starts afresh at the
   * start of each phase, except the random source, which runs through the whole run.
   */

  /** The operation name the simulated calls use. */
  static final String OPERATION = "drill";

  private static final long ORIGIN = -7_000_000_001L;
  private static final BiFunction<Ticker, DoubleSupplier, CircuitBreaker> DEFAULT_BREAKER =
      (ticker, random) -> SreBreaker.builder().ticker(ticker).random(random).build();

  private final Scenario scenario;
  private final double rps;
  private final Arrivals arrivals;
  private final BiFunction<? super Ticker, ? super DoubleSupplier, ? extends CircuitBreaker>
      breaker;
  private final long seed;

  private Simulation(Builder builder) {
    this.scenario = builder.scenario;
    this.rps = builder.rps;
    this.arrivals = builder.arrivals;
    this.breaker = builder.breaker;
    this.seed = builder.seed;
  }

  /** Returns a builder for a simulation of {@code scenario}. */
  public static Builder builder(Scenario scenario) {
    return new Builder(scenario);
  }

  /** Runs the scenario once, with a new breaker, and returns what happened. */
  public Result run() {
    AtomicLong clock = new AtomicLong(ORIGIN);
    Ticker ticker = clock::get;
    // Two independent streams from one seed: the backend's draws do not shift the breaker's.
    SplittableRandom root = new SplittableRandom(seed);
    SplittableRandom backendRandom = root.split();
    SplittableRandom breakerRandom = root.split();
    DoubleSupplier draws = breakerRandom::nextDouble;
    CircuitBreaker[] made = new CircuitBreaker[1];
    Backstop backstop =
        Backstop.builder()
            .breakers(
                operation -> {
                  CircuitBreaker b =
                      Objects.requireNonNull(breaker.apply(ticker, draws), "breaker");
                  made[0] = b;
                  return b;
                })
            .ticker(ticker)
            .build();
    Server server = new Server(backendRandom);

    long slotNanos = Timeline.SLOT.toNanos();
    List<Slot> slots = new ArrayList<>();
    Arrivals.Sequence sequence = arrivals.start(rps);
    long arrival = sequence.next();
    long phaseStart = 0;
    for (Phase phase : scenario.phases()) {
      server.enter(phase.backend(), phaseStart);
      for (int s = 0; s < phase.slots(); s++) {
        long slotEnd = phaseStart + (s + 1) * slotNanos;
        long sent = 0, rejected = 0;
        server.failed = 0;
        while (arrival < slotEnd) {
          clock.set(ORIGIN + arrival);
          server.now = arrival;
          try {
            backstop.call(OPERATION, server::call);
            sent++;
          } catch (NotAllowedException e) {
            rejected++;
          } catch (BackendFailure e) {
            sent++;
          }
          arrival = sequence.next();
        }
        clock.set(ORIGIN + slotEnd);
        Snapshot snapshot = backstop.snapshot(OPERATION);
        double p = snapshot == null ? Double.NaN : snapshot.probability();
        slots.add(new Slot(sent + rejected, sent, rejected, server.failed, p));
      }
      phaseStart += phase.duration().toNanos();
    }
    Timeline timeline = new Timeline(scenario.phases(), slots);
    String description = describe(made[0] != null ? made[0] : breaker.apply(ticker, draws));
    return new Result(scenario, rps, arrivals, description, timeline, Metrics.of(timeline));
  }

  /** Describes a breaker for reports: its settings if it is an {@link SreBreaker}. */
  static String describe(CircuitBreaker breaker) {
    if (breaker instanceof SreBreaker sre) {
      return Report.settings(sre.settings());
    }
    return breaker.getClass().getSimpleName();
  }

  @Override
  public String toString() {
    return "Simulation(" + scenario.name() + ", " + Report.number(rps) + " rps " + arrivals + ")";
  }

  /**
   * The outcome of one run. Values are immutable and thread-safe.
   *
   * @param scenario the scenario run
   * @param rps the mean offered rate, requests per second
   * @param arrivals how requests arrived
   * @param breaker a description of the breaker, its settings if it is an {@link SreBreaker}
   * @param timeline what happened in each 100 ms
   * @param metrics the summary metrics of the timeline
   */
  public record Result(
      Scenario scenario,
      double rps,
      Arrivals arrivals,
      String breaker,
      Timeline timeline,
      Metrics metrics) {}

  /** Thrown by the simulated backend to fail a request; one shared instance without a trace. */
  static final class BackendFailure extends Exception {
    private static final long serialVersionUID = 1L;
    static final BackendFailure INSTANCE = new BackendFailure();

    private BackendFailure() {
      super("simulated backend failure", null, false, false);
    }
  }

  /** The simulated backend: answers at once according to the current phase's {@link Backend}. */
  private static final class Server {
    private final SplittableRandom random;
    private Backend backend;
    long now;
    long failed;
    private double tokens;
    private long refilledAt;

    Server(SplittableRandom random) {
      this.random = random;
    }

    void enter(Backend backend, long at) {
      this.backend = backend;
      if (backend instanceof Backend.Capacity c) {
        tokens = c.burst();
        refilledAt = at;
      }
    }

    Void call() throws BackendFailure {
      if (!accepts()) {
        failed++;
        throw BackendFailure.INSTANCE;
      }
      return null;
    }

    private boolean accepts() {
      if (backend instanceof Backend.Healthy) {
        return true;
      }
      if (backend instanceof Backend.Dead) {
        return false;
      }
      if (backend instanceof Backend.Flaky f) {
        return random.nextDouble() >= f.fail();
      }
      Backend.Capacity c = (Backend.Capacity) backend;
      tokens = Math.min(c.burst(), tokens + (now - refilledAt) * c.perSecond() / 1e9);
      refilledAt = now;
      if (tokens >= 1) {
        tokens -= 1;
        return true;
      }
      return false;
    }
  }

  /**
   * Configures a {@link Simulation}. Each option is checked when it is set and {@link #build()}
   * does not change the builder. Not thread-safe.
   */
  public static final class Builder {
    private final Scenario scenario;
    private double rps = 500;
    private Arrivals arrivals = Arrivals.even();
    private BiFunction<? super Ticker, ? super DoubleSupplier, ? extends CircuitBreaker> breaker =
        DEFAULT_BREAKER;
    private long seed = 1;

    private Builder(Scenario scenario) {
      this.scenario = Objects.requireNonNull(scenario, "scenario");
    }

    /** The mean offered rate in requests per second, in (0, 1 000 000]; 500 by default. */
    public Builder rps(double rps) {
      if (!(rps > 0 && rps <= 1_000_000)) {
        throw new IllegalArgumentException("rps must be in (0, 1000000], was " + rps);
      }
      this.rps = rps;
      return this;
    }

    /** When requests arrive; {@link Arrivals#even()} by default. */
    public Builder arrivals(Arrivals arrivals) {
      this.arrivals = Objects.requireNonNull(arrivals, "arrivals");
      return this;
    }

    /**
     * Makes the breaker for a run from the simulation's fake ticker and a seeded source of uniform
     * draws in [0, 1); by default an {@link SreBreaker} with default settings. The breaker must
     * read time only from the ticker it is given, and should draw from the source so that runs
     * are repeatable, for example {@code (ticker, random) ->
     * SreBreaker.original().ticker(ticker).random(random).build()}.
     */
    public Builder breaker(
        BiFunction<? super Ticker, ? super DoubleSupplier, ? extends CircuitBreaker> breaker) {
      this.breaker = Objects.requireNonNull(breaker, "breaker");
      return this;
    }

    /**
     * Seeds the random draws of the breaker and of the {@link Backend#flaky(double) flaky}
     * backend, from two independent streams; 1 by default. Poisson arrivals have their own seed.
     */
    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    /** Builds the simulation. */
    public Simulation build() {
      return new Simulation(this);
    }
  }
}
