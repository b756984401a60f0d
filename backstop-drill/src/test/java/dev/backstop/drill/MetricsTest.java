package dev.backstop.drill;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongPredicate;
import org.junit.jupiter.api.Test;

/** The metric definitions, on timelines whose every decision is known. */
class MetricsTest {

  private static Simulation.Result scripted(Scenario scenario, double rps, LongPredicate rejects) {
    return Simulation.builder(scenario)
        .rps(rps)
        .breaker((ticker, random) -> new Scripted(ticker, rejects))
        .build()
        .run();
  }

  @Test
  void outageMetricsFollowTheirDefinitions() {
    // 100 rps, evenly spaced: one request every 10 ms, 10 per slot, 100 per second.
    LongPredicate healthy = Scripted.between(1.0, 1.03); // 3 requests
    LongPredicate dead = Scripted.between(10.5, 20.0); // lets through 10.0-10.5: 50 of 1000
    LongPredicate healed = Scripted.between(20.0, 22.35); // 235 requests
    Simulation.Result r =
        scripted(Scenario.outage(), 100, healthy.or(dead).or(healed));
    Metrics m = r.metrics();

    assertThat(m.offered()).isEqualTo(8000);
    assertThat(m.rejected()).isEqualTo(3 + 950 + 235);
    assertThat(m.sent()).isEqualTo(8000 - 1188);
    assertThat(m.failed()).isEqualTo(50);
    assertThat(m.phases())
        .extracting(Metrics.PhaseStats::name, Metrics.PhaseStats::offered,
            Metrics.PhaseStats::rejected, Metrics.PhaseStats::failed)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("healthy", 1000L, 3L, 0L),
            org.assertj.core.groups.Tuple.tuple("dead", 1000L, 950L, 50L),
            org.assertj.core.groups.Tuple.tuple("healed", 6000L, 235L, 0L));
    assertThat(m.leak()).isEqualTo(0.05);
    assertThat(m.falseRejections()).isEqualTo(0.003);
    // The window [22.3 s, 23.3 s) holds 5 rejections (22.30-22.34) and is the last to admit
    // fewer than 99 %; from 22.4 s on every second admits all: recovery 2.3 + 0.1 = 2.4 s.
    assertThat(m.recovery()).isEqualTo(2.4);
    assertThat(m.goodput()).isNaN();
    assertThat(m.sentPerCapacity()).isNaN();
    assertThat(m.rejectedShare()).isEqualTo(1188 / 8000.0);
    assertThat(r.timeline().slots()).allSatisfy(s -> assertThat(s.probability()).isNaN());
    assertThat(r.breaker()).isEqualTo("Scripted");
  }

  @Test
  void oneRejectionInASecondStillAdmitsNinetyNinePercent() {
    // At 100 rps a second holds 100 requests: 99 admitted is exactly 99 %, which passes.
    Simulation.Result one = scripted(Scenario.outage(), 100, Scripted.between(25.0, 25.01));
    assertThat(one.metrics().rejected()).isEqualTo(1);
    assertThat(one.metrics().recovery()).isEqualTo(0);

    Simulation.Result two = scripted(Scenario.outage(), 100, Scripted.between(25.0, 25.02));
    assertThat(two.metrics().rejected()).isEqualTo(2);
    // Windows starting at 24.1 s ... 25.0 s hold both; the last one starts 5.0 s after healing.
    assertThat(two.metrics().recovery()).isEqualTo(5.1);
  }

  @Test
  void recoveryIsInfiniteWhenTheLastSecondStillRejects() {
    Simulation.Result r = scripted(Scenario.outage(), 100, Scripted.between(79.5, 80));
    assertThat(r.metrics().recovery()).isInfinite();
    assertThat(Report.seconds(r.metrics().recovery())).isEqualTo("never");
  }

  @Test
  void everythingLetThroughLeaksEverything() {
    Metrics m = scripted(Scenario.outage(), 100, t -> false).metrics();
    assertThat(m.leak()).isEqualTo(1.0);
    assertThat(m.recovery()).isEqualTo(0);
    assertThat(m.falseRejections()).isEqualTo(0);
    assertThat(m.failed()).isEqualTo(1000);
  }

  @Test
  void overloadCountsGoodputAgainstTheTokenBucket() {
    // Capacity 50/s at 100 rps: the bucket holds 5 tokens and gains 0.5 per arrival. Arrivals 0-8
    // drain it, then every other arrival finds a whole token: 9 + 2995 = 3004 accepted of 6000.
    Simulation.Result r = scripted(Scenario.overload(50), 100, t -> false);
    Metrics m = r.metrics();
    assertThat(m.sent()).isEqualTo(6000);
    assertThat(m.sent() - m.failed()).isEqualTo(3004);
    assertThat(m.goodput()).isCloseTo(3004 / 3000.0, within(1e-12));
    assertThat(m.sentPerCapacity()).isCloseTo(2.0, within(1e-12));
    assertThat(m.leak()).isNaN();
    assertThat(m.recovery()).isNaN();
    assertThat(m.falseRejections()).isNaN();
    assertThat(r.timeline().slots().get(0).failed()).isEqualTo(1); // arrival 9 at 90 ms
  }

  @Test
  void overloadWithRejectionsSendsLess() {
    // Rejecting every second request (odd arrivals) sends 3000: exactly the capacity.
    Simulation.Result r =
        scripted(Scenario.overload(50), 100, t -> (t / 10_000_000) % 2 == 1);
    assertThat(r.metrics().sent()).isEqualTo(3000);
    assertThat(r.metrics().sentPerCapacity()).isCloseTo(1.0, within(1e-12));
    assertThat(r.metrics().rejectedShare()).isEqualTo(0.5);
  }

  @Test
  void flakyBackendFailsItsShareReproducibly() {
    Metrics a = Simulation.builder(Scenario.flaky(0.3)).rps(500).seed(7)
        .breaker((t, r) -> new Scripted(t, x -> false)).build().run().metrics();
    Metrics b = Simulation.builder(Scenario.flaky(0.3)).rps(500).seed(7)
        .breaker((t, r) -> new Scripted(t, x -> false)).build().run().metrics();
    Metrics c = Simulation.builder(Scenario.flaky(0.3)).rps(500).seed(8)
        .breaker((t, r) -> new Scripted(t, x -> false)).build().run().metrics();
    assertThat(a.sent()).isEqualTo(30_000);
    assertThat((double) a.failed() / a.sent()).isCloseTo(0.3, within(0.01));
    assertThat(b.failed()).isEqualTo(a.failed());
    assertThat(c.failed()).isNotEqualTo(a.failed());
    assertThat(a.falseRejections()).isNaN();
  }

  @Test
  void metricsOfAHandMadeTimeline() {
    List<Phase> phases =
        List.of(
            new Phase("down", Duration.ofMillis(200), Backend.DEAD),
            new Phase("up", Duration.ofMillis(1200), Backend.HEALTHY));
    List<Slot> slots = new ArrayList<>();
    slots.add(new Slot(10, 2, 8, 2, 0.8));
    slots.add(new Slot(10, 0, 10, 0, 0.9));
    slots.add(new Slot(10, 5, 5, 0, 0.5)); // first slot after healing
    for (int i = 0; i < 11; i++) {
      slots.add(new Slot(10, 10, 0, 0, 0));
    }
    Metrics m = Metrics.of(new Timeline(phases, slots));
    assertThat(m.leak()).isEqualTo(0.1);
    // The first slot is a dead phase, so nothing was "healthy before any failure".
    assertThat(m.falseRejections()).isNaN();
    // Windows start at 0.0 s (fails: 95 of 100) and 0.1 s and 0.2 s (pass): recovery 0.1 s.
    assertThat(m.recovery()).isEqualTo(0.1);
    assertThat(m.phases().get(1).start()).isEqualTo(Duration.ofMillis(200));
    assertThat(m.phases().get(1).end()).isEqualTo(Duration.ofMillis(1400));
  }

  @Test
  void recoveryNeedsASecondAfterHealing() {
    List<Phase> phases =
        List.of(
            new Phase("down", Duration.ofMillis(100), Backend.DEAD),
            new Phase("up", Duration.ofMillis(900), Backend.HEALTHY));
    List<Slot> slots = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      slots.add(new Slot(1, 1, 0, 0, Double.NaN));
    }
    assertThat(Metrics.of(new Timeline(phases, slots)).recovery()).isNaN();
  }

  @Test
  void valuesAreChecked() {
    assertThatThrownBy(() -> new Slot(10, 5, 4, 0, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("sent + rejected must equal offered, was 5 + 4 for offered 10");
    assertThatThrownBy(() -> new Slot(10, 5, 5, 6, 0))
        .hasMessage("failed must be in [0, sent], was 6");
    assertThatThrownBy(() -> new Slot(1, 1, 0, 0, 1.5))
        .hasMessage("probability must be in [0, 1] or NaN, was 1.5");
    assertThatThrownBy(
            () -> new Timeline(
                List.of(new Phase("a", Duration.ofMillis(300), Backend.HEALTHY)),
                List.of(new Slot(0, 0, 0, 0, 0))))
        .hasMessage("slots must number 3 to cover the phases, was 1");
    assertThatThrownBy(() -> new Phase("a", Duration.ofMillis(150), Backend.HEALTHY))
        .hasMessage("duration must be a positive multiple of 100 ms, at most a day, was PT0.15S");
    assertThatThrownBy(() -> new Phase(" ", Duration.ofSeconds(1), Backend.HEALTHY))
        .hasMessage("name must not be blank, was ' '");
    assertThatThrownBy(() -> Backend.capacity(0)).hasMessage("capacity must be > 0, was 0.0");
    assertThatThrownBy(() -> Backend.flaky(1.5)).hasMessage("fail must be in [0, 1], was 1.5");
    assertThatThrownBy(() -> new Scenario("x", List.of()))
        .hasMessage("phases must not be empty, was []");
    assertThatThrownBy(() -> Simulation.builder(Scenario.healthy()).rps(0))
        .hasMessage("rps must be in (0, 1000000], was 0.0");
    assertThatThrownBy(() -> Simulation.builder(Scenario.healthy()).breaker(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("breaker");
  }
}
