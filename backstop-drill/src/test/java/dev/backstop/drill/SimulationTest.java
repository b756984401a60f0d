package dev.backstop.drill;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.backstop.SreBreaker;
import dev.backstop.Ticker;
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
  void sweepRunsEveryScenarioAtItsRates() {
    List<Simulation.Result> results =
        Sweep.run(Arrivals.even(), 1, (t, r) -> new Scripted(t, x -> false));
    List<Sweep.Case> cases = Sweep.cases();
    assertThat(results).hasSize(cases.size());
    assertThat(results)
        .extracting(r -> r.scenario().name() + " " + Report.number(r.rps()))
        .containsExactlyElementsOf(
            cases.stream().map(c -> c.scenario().name() + " " + Report.number(c.rps())).toList());
    assertThat(cases)
        .extracting(c -> c.label() + " " + Report.number(c.rps()))
        .startsWith("outage 2", "outage 10", "outage 50", "outage 500", "outage 5000",
            "slow-outage 1 s 50")
        .contains("slow-outage 2.9 s 5000", "fleet outage 500", "flapping 50",
            "partial-outage 500", "ramp 5000", "overload 50", "quota 500", "brownout 25 % 50",
            "brownout 0.2 % 5000", "fleet brownout 10 % 500", "flaky 0.3 2", "fleet flaky 0.3 50")
        .endsWith("healthy 50", "healthy 500", "healthy 5000");
    Simulation.Result brownout =
        results.get(cases.indexOf(new Sweep.Case(Scenario.brownout(0.002, 5000), 5000)));
    assertThat(brownout.scenario().phases().get(0).backend()).isEqualTo(Backend.capacity(10));
    // Nothing rejected: the outage leaks everything and every overload request is sent.
    assertThat(results.get(4).metrics().leak()).isEqualTo(1.0);
    assertThat(brownout.metrics().sentPerCapacity()).isCloseTo(500, within(1e-9));
    assertThat(Sweep.table(results).lines())
        .hasSize(cases.size() + 2)
        .contains("| flaky 0.3 | 50 | - | - | - | - | - | - | 0.0 % |");
    assertThat(Sweep.table(results, results).lines())
        .contains("| flaky 0.3 | 50 | - | - | - | - | - | - | 0.0 % / 0.0 % |",
            "| outage | 50 | 100.0 % / 100.0 % | 0.0 s / 0.0 s | 0.0 % / 0.0 % | - | - | - |"
                + " 0.0 % / 0.0 % |");
  }

  @Test
  void fleetClientsEachGetTheirShareAndTheirOwnBreaker() {
    List<Ticker> tickers = new java.util.ArrayList<>();
    Simulation.Result r =
        Simulation.builder(Scenario.fleet(10, Scenario.outage()))
            .rps(50)
            .breaker(
                (ticker, random) -> {
                  tickers.add(ticker);
                  return SreBreaker.original().ticker(ticker).random(random).build();
                })
            .build()
            .run();
    assertThat(tickers).hasSize(10);
    // 5 requests per second per client: the original's minimum of 100 requests is never reached.
    assertThat(r.metrics().offered()).isEqualTo(4000);
    assertThat(r.metrics().leak()).isEqualTo(1.0);
  }

  @Test
  void aSlowBackendReportsOutcomesLate() {
    // A Scripted breaker admits everything; record when each outcome reaches it.
    List<Long> failedAt = new java.util.ArrayList<>();
    Simulation.Result r =
        Simulation.builder(Scenario.slowOutage(java.time.Duration.ofMillis(2900)))
            .rps(10)
            .breaker(
                (ticker, random) ->
                    new Scripted(ticker, x -> false) {
                      @Override
                      public void markFailed() {
                        failedAt.add(ticker.read());
                      }
                    })
            .build()
            .run();
    // 100 requests sent into the dead phase (10 s to 20 s), each failing 2.9 s after it was sent.
    assertThat(failedAt).hasSize(100);
    assertThat(failedAt.get(1) - failedAt.get(0)).isEqualTo(100_000_000L);
    assertThat(r.metrics().failed()).isEqualTo(100);
    // Leak is counted from the first reported failure, 2.9 s into the dead phase: 71 requests.
    assertThat(r.metrics().leak()).isEqualTo(1.0);
    assertThat(r.metrics().phases().get(1).sent()).isEqualTo(100);
  }
}
