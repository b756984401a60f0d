package dev.backstop.drill;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backstop.SreBreaker;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Holds the default breaker to the targets of the throttling issue, across the drill's sweep,
 * and pins the original design to the behaviour those targets improve on. Simulated time: fast
 * and repeatable for a given seed.
 */
class TargetsTest {

  private static final java.util.Set<String> KNOWN = java.util.Set.of(
      "outage", "overload", "flaky", "healthy");

  private static List<Simulation.Result> sweep(long seed, boolean original) {
    return Sweep.run(
            Arrivals.even(),
            seed,
            (ticker, random) ->
                (original ? SreBreaker.original() : SreBreaker.builder())
                    .ticker(ticker)
                    .random(random)
                    .build())
        .stream()
        .filter(r -> KNOWN.contains(r.scenario().name()) && r.rps() >= 50)
        .filter(r -> !r.scenario().name().equals("overload") || r.rps() > 0)
        .toList();
  }

  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {1, 2, 3})
  void theDefaultsMeetEveryTargetAtEveryRate(long seed) {
    List<Simulation.Result> results = sweep(seed, false);
    assertThat(results).hasSize(12);
    for (Simulation.Result r : results) {
      Metrics m = r.metrics();
      String what = r.scenario().name() + " at " + r.rps() + " rps, seed " + seed + ": " + m;
      switch (r.scenario().name()) {
        case "outage" -> {
          assertThat(m.leak()).as(what).isLessThanOrEqualTo(0.08);
          assertThat(m.recovery()).as(what).isLessThanOrEqualTo(3.0);
          assertThat(m.falseRejections()).as(what).isZero();
        }
        case "overload" -> {
          assertThat(m.goodput()).as(what).isGreaterThanOrEqualTo(0.99);
          assertThat(m.sentPerCapacity()).as(what).isLessThanOrEqualTo(1.8);
        }
        case "flaky" -> assertThat(m.rejectedShare()).as(what).isLessThanOrEqualTo(0.01);
        case "healthy" -> assertThat(m.rejected()).as(what).isZero();
        default -> throw new AssertionError("unexpected scenario " + what);
      }
    }
  }

  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {1, 2})
  void theOriginalLeaksAFifthAndRecoversSlowly(long seed) {
    for (Simulation.Result r : sweep(seed, true)) {
      Metrics m = r.metrics();
      String what = r.scenario().name() + " at " + r.rps() + " rps: " + m;
      switch (r.scenario().name()) {
        case "outage" -> {
          assertThat(m.leak()).as(what).isBetween(0.17, 0.24);
          assertThat(m.recovery()).as(what).isGreaterThan(8.0);
        }
        case "overload" -> assertThat(m.sentPerCapacity()).as(what).isBetween(1.6, 1.75);
        case "healthy" -> assertThat(m.rejected()).as(what).isZero();
        default -> {}
      }
    }
  }
}
