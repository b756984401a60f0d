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
import java.util.PriorityQueue;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiFunction;
import java.util.function.DoubleSupplier;

/**
 * Runs a {@link Scenario} in simulated time through the real {@link Backstop} middleware.
 *
 * <p>Each client of the scenario gets a fresh {@link Backstop} whose group of breakers
 * made by the {@link Builder#breaker(BiFunction) breaker factory}, all reading one fake {@link
 * Ticker}. Requests arrive at the configured rate; for each one the clock jumps to its arrival
 * time and the client follows the {@link CircuitBreaker} contract with the breaker that {@link
 * Backstop#breaker(String)} returns, as the integrations do: {@code allow()}, then {@code
 * markRejected()} if it throws, or the request goes to a simulated backend, which decides its
 * fate at once and reports it at once or, if the backend is {@link Backend#slow slow}, later (the
 * clock then jumps to that moment for the mark). An 80 s scenario at 5 000 requests per second
 * takes a fraction of a second and nothing sleeps.
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
 * Instances are immutable and thread-safe; each {@link #run()} is independent and
 * single-threaded.
 */
public final class Simulation {

  /*
   * How it works. Single-threaded event loop over two kinds of event: arrivals, whose times come
   * from Arrivals in nanoseconds from 0, and outcomes reported late by a slow backend, kept in a
   * priority queue by time (ties in the order the requests were sent). Before an arrival, every
   * outcome due at or before it is reported, each at its own time. The fake ticker reads
   * ORIGIN + time (an odd, negative origin, so no breaker can depend on time starting at zero).
   * With several clients, arrivals of one stream at the total rate are dealt to the clients in
   * turn (even arrivals) or at random (Poisson arrivals, which makes each client's arrivals a
   * Poisson process of its own). Slots are closed lazily when the first arrival of a later slot
   * (or the end of the run) is reached; closing a slot reports the outcomes due by its end, moves
   * the clock there and reads each breaker's snapshot, which is what the chart plots as the
   * rejection probability (the mean over clients). Reading a snapshot only rotates the breaker's
   * window as the next allow() would, so it does not change any decision. The backend's state
   * (the token bucket, the quota) starts afresh at the start of each phase; the random sources
   * run through the whole run. Outcomes still due when the run ends are never reported.
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

  /** Runs the scenario once, with new breakers, and returns what happened. */
  public Result run() {
    AtomicLong clock = new AtomicLong(ORIGIN);
    Ticker ticker = clock::get;
    // Independent streams from one seed: the backend's draws do not shift the breakers'.
    SplittableRandom root = new SplittableRandom(seed);
    SplittableRandom backendRandom = root.split();
    SplittableRandom breakerRandom = root.split();
    SplittableRandom dealRandom = root.split();
    int n = scenario.clients();
    Backstop[] clients = new Backstop[n];
    CircuitBreaker[] made = new CircuitBreaker[1];
    for (int c = 0; c < n; c++) {
      SplittableRandom own = n == 1 ? breakerRandom : breakerRandom.split();
      DoubleSupplier draws = own::nextDouble;
      clients[c] =
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
    }
    Server server = new Server(backendRandom);
    PriorityQueue<Pending> pending = new PriorityQueue<>();
    long sequence = 0;

    long slotNanos = Timeline.SLOT.toNanos();
    List<Slot> slots = new ArrayList<>();
    Arrivals.Sequence arrivalTimes = arrivals.start(rps);
    long arrival = arrivalTimes.next();
    long index = 0;
    long phaseStart = 0;
    for (Phase phase : scenario.phases()) {
      server.enter(phase, phaseStart);
      for (int s = 0; s < phase.slots(); s++) {
        long slotEnd = phaseStart + (s + 1) * slotNanos;
        long sent = 0, rejected = 0, failed = 0;
        while (arrival < slotEnd) {
          report(pending, arrival, clients, clock);
          clock.set(ORIGIN + arrival);
          int c = n == 1 ? 0 : arrivals.isPoisson() ? dealRandom.nextInt(n) : (int) (index % n);
          CircuitBreaker b = clients[c].breaker(OPERATION);
          boolean allowed;
          try {
            b.allow();
            allowed = true;
          } catch (NotAllowedException e) {
            b.markRejected();
            allowed = false;
          }
          if (allowed) {
            sent++;
            boolean accepted = server.accepts(arrival);
            if (!accepted) {
              failed++;
            }
            long latency = phase.backend().latency(accepted).toNanos();
            if (latency == 0) {
              mark(b, accepted);
            } else {
              pending.add(new Pending(arrival + latency, sequence++, c, accepted));
            }
          } else {
            rejected++;
          }
          index++;
          arrival = arrivalTimes.next();
        }
        report(pending, slotEnd, clients, clock);
        clock.set(ORIGIN + slotEnd);
        slots.add(new Slot(sent + rejected, sent, rejected, failed, probability(clients)));
      }
      phaseStart += phase.duration().toNanos();
    }
    Timeline timeline = new Timeline(scenario.phases(), slots);
    DoubleSupplier spare = breakerRandom::nextDouble;
    String description = describe(made[0] != null ? made[0] : breaker.apply(ticker, spare));
    return new Result(scenario, rps, arrivals, seed, description, timeline, Metrics.of(timeline));
  }

  /** Reports every outcome due at or before {@code until}, each at its own time. */
  private static void report(
      PriorityQueue<Pending> pending, long until, Backstop[] clients, AtomicLong clock) {
    Pending p;
    while ((p = pending.peek()) != null && p.at <= until) {
      pending.poll();
      clock.set(ORIGIN + p.at);
      mark(clients[p.client].breaker(OPERATION), p.accepted);
    }
  }

  private static void mark(CircuitBreaker b, boolean accepted) {
    if (accepted) {
      b.markSuccess();
    } else {
      b.markFailed();
    }
  }

  /** The mean of the clients' rejection probabilities, or NaN if one does not report any. */
  private static double probability(Backstop[] clients) {
    double sum = 0;
    for (Backstop client : clients) {
      Snapshot snapshot = client.snapshot(OPERATION);
      if (snapshot == null) {
        return Double.NaN;
      }
      sum += snapshot.probability();
    }
    return sum / clients.length;
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
   * @param rps the mean offered rate, requests per second, over all clients
   * @param arrivals how requests arrived
   * @param seed the seed of the breakers' and the backend's draws
   * @param breaker a description of the breaker, its settings if it is an {@link SreBreaker}
   * @param timeline what happened in each 100 ms, over all clients
   * @param metrics the summary metrics of the timeline
   */
  public record Result(
      Scenario scenario,
      double rps,
      Arrivals arrivals,
      long seed,
      String breaker,
      Timeline timeline,
      Metrics metrics) {}

  /** An outcome the backend reports at {@code at}, in the order requests were sent. */
  private record Pending(long at, long sequence, int client, boolean accepted)
      implements Comparable<Pending> {
    @Override
    public int compareTo(Pending o) {
      int byTime = Long.compare(at, o.at);
      return byTime != 0 ? byTime : Long.compare(sequence, o.sequence);
    }
  }

  /** The simulated backend: decides each request's fate by the current phase's {@link Backend}. */
  private static final class Server {
    private final SplittableRandom random;
    private Backend backend;
    private long phaseStart;
    private long phaseNanos;
    private double tokens;
    private long refilledAt;
    private long second = -1;
    private long served;

    Server(SplittableRandom random) {
      this.random = random;
    }

    void enter(Phase phase, long at) {
      this.backend = phase.backend().base();
      this.phaseStart = at;
      this.phaseNanos = phase.duration().toNanos();
      if (backend instanceof Backend.Capacity c) {
        tokens = c.burst();
        refilledAt = at;
      }
      second = -1;
    }

    boolean accepts(long now) {
      if (backend instanceof Backend.Healthy) {
        return true;
      }
      if (backend instanceof Backend.Dead) {
        return false;
      }
      if (backend instanceof Backend.Flaky f) {
        return random.nextDouble() >= f.fail();
      }
      if (backend instanceof Backend.Ramp r) {
        double along = (double) (now - phaseStart) / phaseNanos;
        return random.nextDouble() >= r.from() + (r.to() - r.from()) * along;
      }
      if (backend instanceof Backend.Quota q) {
        long s = Math.floorDiv(now, 1_000_000_000L);
        if (s != second) {
          second = s;
          served = 0;
        }
        if (served < q.perSecond()) {
          served++;
          return true;
        }
        return false;
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

    /**
     * The mean offered rate in requests per second over all clients, in (0, 1 000 000]; 500 by
     * default.
     */
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
     * Makes the breaker of a client for a run from the simulation's fake ticker and a seeded
     * source of uniform draws in [0, 1); by default an {@link SreBreaker} with default settings.
     * The breaker must read time only from the ticker it is given, and should draw from the
     * source so that runs are repeatable, for example {@code (ticker, random) ->
     * SreBreaker.original().ticker(ticker).random(random).build()}.
     */
    public Builder breaker(
        BiFunction<? super Ticker, ? super DoubleSupplier, ? extends CircuitBreaker> breaker) {
      this.breaker = Objects.requireNonNull(breaker, "breaker");
      return this;
    }

    /**
     * Seeds the random draws of the breakers, of the backend and of the dealing of Poisson
     * arrivals to clients, from independent streams; 1 by default. Poisson arrivals have their
     * own seed.
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
