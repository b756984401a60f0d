package dev.backstop.drill;

import dev.backstop.CircuitBreaker;
import dev.backstop.Ticker;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.BiFunction;
import java.util.function.DoubleSupplier;

/**
 * The standard sweep behind {@code ./drill simulate --sweep}: {@link Scenario#outage() outage},
 * {@link Scenario#overload(double) overload} at half the offered rate, {@link
 * Scenario#flaky(double) flaky} at 30 % and {@link Scenario#healthy() healthy}, each at 50, 500
 * and 5 000 requests per second.
 *
 * <pre>{@code
 * List<Simulation.Result> results = Sweep.run(Arrivals.even(), 1,
 *     (ticker, random) -> SreBreaker.builder().ticker(ticker).random(random).build());
 * }</pre>
 *
 * <p>Stateless and thread-safe.
 */
public final class Sweep {

  /** The offered rates of the sweep, requests per second. */
  public static final List<Double> RATES = List.of(50.0, 500.0, 5000.0);

  /** The share of requests the flaky backend fails. */
  public static final double FAIL = 0.3;

  private Sweep() {}

  /** Returns the scenarios of the sweep at {@code rps}, in the order of the table. */
  public static List<Scenario> scenarios(double rps) {
    return List.of(
        Scenario.outage(), Scenario.overload(rps / 2), Scenario.flaky(FAIL), Scenario.healthy());
  }

  /**
   * Runs every scenario at every rate, scenario by scenario, with the given arrivals, seed and
   * breaker (see {@link Simulation.Builder#breaker(BiFunction)}).
   */
  public static List<Simulation.Result> run(
      Arrivals arrivals,
      long seed,
      BiFunction<? super Ticker, ? super DoubleSupplier, ? extends CircuitBreaker> breaker) {
    Objects.requireNonNull(arrivals, "arrivals");
    Objects.requireNonNull(breaker, "breaker");
    List<Simulation.Result> results = new ArrayList<>();
    int kinds = scenarios(1).size();
    for (int kind = 0; kind < kinds; kind++) {
      for (double rps : RATES) {
        Scenario scenario = scenarios(rps).get(kind);
        results.add(
            Simulation.builder(scenario)
                .rps(rps)
                .arrivals(arrivals)
                .seed(seed)
                .breaker(breaker)
                .build()
                .run());
      }
    }
    return results;
  }

  /** Returns one Markdown table row per result, as {@code ./drill simulate --sweep} prints it. */
  public static String table(List<Simulation.Result> results) {
    return Report.sweep(results);
  }
}
