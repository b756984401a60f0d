package dev.backstop.drill;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.backstop.SreBreaker;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The real SreBreaker (original configuration) through the real Backstop, end to end. */
class SimulationTest {

  private static Simulation.Result original(Scenario scenario, double rps) {
    return Simulation.builder(scenario)
        .rps(rps)
        .breaker((ticker, random) -> SreBreaker.original().ticker(ticker).random(random).build())
        .build()
        .run();
  }

  @Test
  void outageThroughTheOriginalBreaker() {
    Simulation.Result r = original(Scenario.outage(), 500);
    Metrics m = r.metrics();
    List<Metrics.PhaseStats> phases = m.phases();
    assertThat(phases).extracting(Metrics.PhaseStats::name)
        .containsExactly("healthy", "dead", "healed");
    assertThat(phases)
        .extracting(Metrics.PhaseStats::offered)
        .containsExactly(5000L, 5000L, 30000L);

    // Healthy: every request accepted, so requests < K × accepts and nothing is rejected.
    assertThat(phases.get(0).rejected()).isZero();
    assertThat(m.falseRejections()).isZero();
    // Dead: the whole window must fill with failures before rejecting; then almost all are shed.
    assertThat(phases.get(1).failed()).isEqualTo(phases.get(1).sent());
    assertThat(m.leak()).isBetween(0.10, 0.30);
    // Healed: rejections keep counting as failures, so recovery takes many windows.
    assertThat(phases.get(2).failed()).isZero();
    assertThat(m.recovery()).isBetween(6.0, 40.0);
    List<Slot> slots = r.timeline().slots();
    assertThat(slots.subList(600, 800)).allSatisfy(s -> assertThat(s.rejected()).isZero());

    // The probability series comes from the breaker's snapshot.
    assertThat(slots.get(99).probability()).isZero();
    assertThat(slots.get(199).probability()).isGreaterThan(0.9);
    assertThat(slots.get(799).probability()).isZero();
    assertThat(r.breaker())
        .isEqualTo("SreBreaker(success 0.6, request 100, window 3 s in 10 buckets, recent 0,"
            + " probe 0 s, forgive false)");
  }

  @Test
  void overloadThroughTheOriginalBreakerSendsAboutKTimesCapacity() {
    Metrics m = original(Scenario.overload(250), 500).metrics();
    // The rule holds requests near K × accepts = capacity / 0.6 once the window fills.
    assertThat(m.sentPerCapacity()).isBetween(1.55, 1.85);
    assertThat(m.goodput()).isBetween(0.95, 1.01);
  }

  @Test
  void healthyBackendIsNeverThrottledByTheDefaults() {
    Simulation.Result r =
        Simulation.builder(Scenario.healthy())
            .rps(5000)
            .arrivals(Arrivals.poisson(3))
            .build()
            .run();
    assertThat(r.metrics().rejected()).isZero();
    assertThat(r.metrics().falseRejections()).isZero();
    assertThat(r.metrics().offered()).isBetween(295_000L, 305_000L);
    assertThat(r.timeline().slots()).allSatisfy(s -> assertThat(s.probability()).isZero());
  }

  @Test
  void runsAreRepeatableForASeed() {
    Simulation poisson =
        Simulation.builder(Scenario.outage()).rps(500).arrivals(Arrivals.poisson(9)).seed(4)
            .breaker((t, r) -> SreBreaker.original().ticker(t).random(r).build())
            .build();
    Simulation.Result first = poisson.run();
    Simulation.Result second = poisson.run();
    assertThat(second.timeline()).isEqualTo(first.timeline());
    assertThat(second.metrics()).isEqualTo(first.metrics());

    Simulation.Result otherSeed =
        Simulation.builder(Scenario.outage()).rps(500).arrivals(Arrivals.poisson(9)).seed(5)
            .breaker((t, r) -> SreBreaker.original().ticker(t).random(r).build())
            .build()
            .run();
    // Same arrivals, other breaker draws: the dead phase is shed differently.
    assertThat(otherSeed.metrics().offered()).isEqualTo(first.metrics().offered());
    assertThat(otherSeed.timeline()).isNotEqualTo(first.timeline());
  }

  @Test
  void sweepRunsEveryScenarioAtEveryRate() {
    List<Simulation.Result> results =
        Sweep.run(Arrivals.even(), 1, (t, r) -> new Scripted(t, x -> false));
    assertThat(results)
        .extracting(r -> r.scenario().name() + " " + Report.number(r.rps()))
        .containsExactly(
            "outage 50", "outage 500", "outage 5000",
            "overload 50", "overload 500", "overload 5000",
            "flaky 50", "flaky 500", "flaky 5000",
            "healthy 50", "healthy 500", "healthy 5000");
    assertThat(results.get(5).scenario().phases().get(0).backend())
        .isEqualTo(Backend.capacity(2500));
    // Nothing rejected: the outage leaks everything and every overload request is sent.
    assertThat(results.get(2).metrics().leak()).isEqualTo(1.0);
    assertThat(results.get(4).metrics().sentPerCapacity()).isCloseTo(2.0, within(1e-9));
    assertThat(Sweep.table(results).lines()).hasSize(14).element(8)
        .isEqualTo("| flaky 0.3 | 50 | - | - | - | - | - | 0.0 % |");
  }
}
