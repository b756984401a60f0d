package dev.backstop.drill;

import dev.backstop.CircuitBreaker;
import dev.backstop.Ticker;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.BiFunction;
import java.util.function.DoubleSupplier;
import java.util.stream.IntStream;

/**
 * The standard sweep behind {@code ./drill simulate --sweep}: every shape of trouble the drill
 * knows, each at the rates where it matters.
 *
 * <ul>
 *   <li>{@link Scenario#outage() outage} at 2, 10, 50, 500 and 5 000 requests per second; {@link
 *       Scenario#slowOutage slow-outage} with failures reported after 1 s and after 2.9 s; the
 *       outage played by a {@link Scenario#fleet fleet} of 10 clients; {@link Scenario#flapping()
 *       flapping}; {@link Scenario#partialOutage() partial-outage}; {@link Scenario#ramp() ramp};
 *   <li>{@link Scenario#overload(double) overload} at half the offered rate; {@link
 *       Scenario#quota(double) quota} at half the offered rate; {@link Scenario#brownout brownout}
 *       at 25, 10, 5, 2, 1 and 0.2 % of it; the 10 % brownout played by a fleet of 10 clients;
 *   <li>{@link Scenario#flaky(double) flaky} at 30 % (also at 2 and 10 requests per second, and
 *       played by a fleet); {@link Scenario#healthy() healthy}.
 * </ul>
 *
 * <p>Rates not given above are 50, 500 and 5 000 requests per second, over all clients.
 *
 * <pre>{@code
 * List<Simulation.Result> results = Sweep.run(Arrivals.even(), 1,
 *     (ticker, random) -> SreBreaker.builder().ticker(ticker).random(random).build());
 * String table = Sweep.table(results);
 * }</pre>
 *
 * <p>Runs are independent and run in parallel, each single-threaded and deterministic. Stateless
 * and thread-safe.
 */
public final class Sweep {

  /** The offered rates of most scenarios, requests per second. */
  public static final List<Double> RATES = List.of(50.0, 500.0, 5000.0);

  /** The offered rates of the low-rate clients, added to the outage and flaky scenarios. */
  public static final List<Double> LOW_RATES = List.of(2.0, 10.0);

  /** The capacities of the brownouts, as shares of the offered rate. */
  public static final List<Double> BROWNOUTS = List.of(0.25, 0.10, 0.05, 0.02, 0.01, 0.002);

  /** The share of requests the flaky backend fails. */
  public static final double FAIL = 0.3;

  /** The number of clients of a fleet. */
  public static final int FLEET = 10;

  private Sweep() {}

  /**
   * One run's scenario and offered rate.
   *
   * @param scenario the scenario
   * @param rps the offered rate, requests per second over all clients
   */
  public record Case(Scenario scenario, double rps) {
    /** Checks the values. */
    public Case {
      Objects.requireNonNull(scenario, "scenario");
    }

    /** The label of the case's rows: the scenario's name, with the share of a flaky backend. */
    public String label() {
      Backend backend = scenario.phases().get(0).backend();
      if (scenario.phases().size() == 1 && backend instanceof Backend.Flaky f) {
        return scenario.name() + " " + Report.number(f.fail());
      }
      return scenario.name();
    }
  }

  /** Returns the cases of the sweep, in the order of the table. */
  public static List<Case> cases() {
    List<Case> cases = new ArrayList<>();
    List<Double> all = new ArrayList<>(LOW_RATES);
    all.addAll(RATES);
    all.forEach(rps -> cases.add(new Case(Scenario.outage(), rps)));
    for (java.time.Duration timeout :
        List.of(java.time.Duration.ofSeconds(1), java.time.Duration.ofMillis(2900))) {
      RATES.forEach(rps -> cases.add(new Case(Scenario.slowOutage(timeout), rps)));
    }
    RATES.forEach(rps -> cases.add(new Case(Scenario.fleet(FLEET, Scenario.outage()), rps)));
    RATES.forEach(rps -> cases.add(new Case(Scenario.flapping(), rps)));
    RATES.forEach(rps -> cases.add(new Case(Scenario.partialOutage(), rps)));
    RATES.forEach(rps -> cases.add(new Case(Scenario.ramp(), rps)));
    RATES.forEach(rps -> cases.add(new Case(Scenario.overload(rps / 2), rps)));
    RATES.forEach(rps -> cases.add(new Case(Scenario.quota(rps / 2), rps)));
    for (double share : BROWNOUTS) {
      RATES.forEach(rps -> cases.add(new Case(Scenario.brownout(share, rps), rps)));
    }
    RATES.forEach(
        rps -> cases.add(new Case(Scenario.fleet(FLEET, Scenario.brownout(0.1, rps)), rps)));
    all.forEach(rps -> cases.add(new Case(Scenario.flaky(FAIL), rps)));
    RATES.forEach(rps -> cases.add(new Case(Scenario.fleet(FLEET, Scenario.flaky(FAIL)), rps)));
    RATES.forEach(rps -> cases.add(new Case(Scenario.healthy(), rps)));
    return List.copyOf(cases);
  }

  /**
   * Runs every case once with the given arrivals, seed and breaker (see {@link
   * Simulation.Builder#breaker(BiFunction)}), and returns the results in the order of {@link
   * #cases()}.
   */
  public static List<Simulation.Result> run(
      Arrivals arrivals,
      long seed,
      BiFunction<? super Ticker, ? super DoubleSupplier, ? extends CircuitBreaker> breaker) {
    Objects.requireNonNull(arrivals, "arrivals");
    return run(List.of(arrivals), List.of(seed), breaker);
  }

  /**
   * Runs every case with each of the given arrivals and seeds; for Poisson arrivals the seed
   * also seeds the arrivals, so {@code Arrivals.poisson(0)} stands for Poisson arrivals of every
   * seed. Returns the results case by case in the order of {@link #cases()}, and within a case
   * arrivals by arrivals, seed by seed.
   */
  public static List<Simulation.Result> run(
      List<Arrivals> arrivals,
      List<Long> seeds,
      BiFunction<? super Ticker, ? super DoubleSupplier, ? extends CircuitBreaker> breaker) {
    Objects.requireNonNull(breaker, "breaker");
    List<Arrivals> kinds = List.copyOf(arrivals);
    List<Long> seedList = List.copyOf(seeds);
    List<Case> cases = cases();
    int perCase = kinds.size() * seedList.size();
    return IntStream.range(0, cases.size() * perCase)
        .parallel()
        .mapToObj(
            i -> {
              Case c = cases.get(i / perCase);
              Arrivals kind = kinds.get(i % perCase / seedList.size());
              long seed = seedList.get(i % seedList.size());
              return Simulation.builder(c.scenario())
                  .rps(c.rps())
                  .arrivals(kind.isPoisson() ? Arrivals.poisson(seed) : kind)
                  .seed(seed)
                  .breaker(breaker)
                  .build()
                  .run();
            })
        .toList();
  }

  /**
   * Returns a Markdown table, as {@code ./drill simulate --sweep} prints it: one row per case,
   * in the order the results come, each showing the worst of the case's runs for every metric
   * (the highest leak, recovery, false rejections, sent/capacity and rejected share; the lowest
   * admitted share and goodput).
   */
  public static String table(List<Simulation.Result> results) {
    return Report.sweep(results);
  }

  /**
   * Returns the Markdown table of {@link #table(List)} with every cell showing the worst run of
   * {@code results}, then the worst of {@code others}, the same runs with another breaker, as
   * {@code ./drill simulate --sweep --compare} prints it.
   */
  public static String table(List<Simulation.Result> results, List<Simulation.Result> others) {
    return Report.sweep(results, others);
  }
}
