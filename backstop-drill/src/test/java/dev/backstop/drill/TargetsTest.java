package dev.backstop.drill;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backstop.SreBreaker;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.function.ToDoubleFunction;
import java.util.stream.LongStream;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Holds the default breaker to the targets of the throttling issue across the drill's whole
 * sweep (every case, even and Poisson arrivals, seeds 1 to 5), run by run beside the original
 * design in the same run, and pins the original to the behaviour those targets improve on. The
 * cases the README names as exceptions are checked against the numbers it gives. Simulated time:
 * fast and repeatable.
 */
class TargetsTest {

  private static final List<Long> SEEDS = LongStream.rangeClosed(1, 5).boxed().toList();

  /** Each run of the default beside the same run of the original, in sweep order. */
  private static List<Pair> runs;

  private record Pair(Simulation.Result result, Metrics m, Metrics o) {
    String name() {
      return result.scenario().name();
    }

    double perClient() {
      return result.rps() / result.scenario().clients();
    }

    /** The capacity of an overload phase in requests per second, or 0. */
    double capacity() {
      Backend b = result.scenario().phases().get(0).backend().base();
      return b instanceof Backend.Capacity c ? c.perSecond()
          : b instanceof Backend.Quota q ? q.perSecond() : 0;
    }

    String what() {
      return new Sweep.Case(result.scenario(), result.rps()).label() + " at "
          + Report.number(result.rps()) + " rps, " + result.arrivals() + ", seed "
          + result.seed() + ": default " + m + "; original " + o;
    }
  }

  @BeforeAll
  static void sweep() {
    List<Arrivals> kinds = List.of(Arrivals.even(), Arrivals.poisson(0));
    List<Simulation.Result> defaults =
        Sweep.run(kinds, SEEDS,
            (ticker, random) -> SreBreaker.builder().ticker(ticker).random(random).build());
    List<Simulation.Result> originals =
        Sweep.run(kinds, SEEDS,
            (ticker, random) -> SreBreaker.original().ticker(ticker).random(random).build());
    runs = new ArrayList<>();
    for (int i = 0; i < defaults.size(); i++) {
      runs.add(new Pair(defaults.get(i), defaults.get(i).metrics(), originals.get(i).metrics()));
    }
    assertThat(runs).hasSize(Sweep.cases().size() * 10);
  }

  private static List<Pair> where(Predicate<Pair> p) {
    List<Pair> selected = runs.stream().filter(p).toList();
    assertThat(selected).isNotEmpty();
    return selected;
  }

  private static boolean overloadShape(Pair r) {
    return r.capacity() > 0;
  }

  @Test
  void overloadShapesSendAtMostTwiceTheCapacity() {
    SoftAssertions soft = new SoftAssertions();
    for (Pair r : where(r -> overloadShape(r) && r.perClient() >= 50 && r.capacity() >= 1)) {
      // At exactly 1 request per second the rule's own trickle, one request per 3 s window, is a
      // third of the capacity: K + 1/3 = 2.0 once goodput is whole. The README names the case;
      // it stays below the original in the same run.
      double bound = r.capacity() == 1 ? 2.1 : 2.0;
      soft.assertThat(r.m.sentPerCapacity()).as(r.what()).isLessThanOrEqualTo(bound);
      if (r.capacity() == 1) {
        soft.assertThat(r.m.sentPerCapacity()).as(r.what()).isLessThan(r.o.sentPerCapacity());
      }
    }
    soft.assertAll();
  }

  @Test
  void overloadShapesNeverSendMuchMoreThanTheOriginal() {
    SoftAssertions soft = new SoftAssertions();
    for (Pair r : where(TargetsTest::overloadShape)) {
      // Run by run, at every capacity and rate: within 5 % of the original's load, or no more
      // than the capacity itself.
      soft.assertThat(r.m.sentPerCapacity())
          .as(r.what())
          .isLessThanOrEqualTo(Math.max(1.0, r.o.sentPerCapacity() * 1.05 + 0.01));
    }
    soft.assertAll();
  }

  @Test
  void overloadShapesKeepTheOriginalsGoodputOnAverage() {
    // Per case, the mean over its ten runs is no more than a point below the original's mean
    // over the same runs. Single runs at a few requests per second of capacity vary by several
    // points either way: a token bucket that holds one token wastes capacity whenever requests
    // arrive in clumps, and which ones clump differs between two breakers.
    Map<String, double[]> means = new LinkedHashMap<>();
    for (Pair r : where(r -> overloadShape(r) && r.perClient() >= 50 && r.capacity() >= 1)) {
      double[] sum = means.computeIfAbsent(
          new Sweep.Case(r.result.scenario(), r.result.rps()).label() + " at " + r.result.rps(),
          k -> new double[3]);
      sum[0] += r.m.goodput();
      sum[1] += r.o.goodput();
      sum[2]++;
    }
    SoftAssertions soft = new SoftAssertions();
    means.forEach(
        (what, sum) ->
            soft.assertThat(sum[0] / sum[2]).as(what + " mean goodput, original " + sum[1] / sum[2])
                .isGreaterThanOrEqualTo(sum[1] / sum[2] - 0.01));
    soft.assertAll();
  }

  @Test
  void outagesAreShedWithinEightPercentAndRecoveredWithinThreeSeconds() {
    SoftAssertions soft = new SoftAssertions();
    for (Pair r : where(r -> r.name().endsWith("outage") && !r.name().startsWith("slow")
        && !r.name().startsWith("partial") && r.perClient() >= 50)) {
      soft.assertThat(r.m.leak()).as(r.what()).isLessThanOrEqualTo(0.08);
      soft.assertThat(r.m.recovery()).as(r.what()).isLessThanOrEqualTo(3.0);
      soft.assertThat(r.m.falseRejections()).as(r.what()).isZero();
    }
    for (Pair r : where(r -> r.name().startsWith("slow-outage"))) {
      // Counted from the first reported failure: before it, nobody can know.
      soft.assertThat(r.m.leak()).as(r.what()).isLessThanOrEqualTo(0.08);
      soft.assertThat(r.m.recovery()).as(r.what()).isLessThanOrEqualTo(3.0);
    }
    soft.assertAll();
  }

  @Test
  void partialOutagesAndRampsRecoverWithinThreeSeconds() {
    SoftAssertions soft = new SoftAssertions();
    for (Pair r : where(r -> r.name().equals("partial-outage") || r.name().equals("ramp"))) {
      soft.assertThat(r.m.recovery()).as(r.what()).isLessThanOrEqualTo(3.0);
    }
    soft.assertAll();
  }

  @Test
  void aFlappingBackendLeaksAtMostHalfAgainTheOriginalAndGetsItsHealthySpells() {
    SoftAssertions soft = new SoftAssertions();
    Map<Double, double[]> leaks = new LinkedHashMap<>();
    for (Pair r : where(r -> r.name().equals("flapping"))) {
      double[] sum = leaks.computeIfAbsent(r.result.rps(), k -> new double[2]);
      sum[0] += r.m.leak();
      sum[1] += r.o.leak();
      // Run by run, and over the runs of each rate below.
      soft.assertThat(r.m.leak()).as(r.what()).isLessThanOrEqualTo(1.5 * r.o.leak());
      soft.assertThat(r.m.admitted()).as(r.what()).isGreaterThan(0.4);
      soft.assertThat(r.m.admitted()).as(r.what()).isGreaterThan(10 * r.o.admitted());
    }
    leaks.forEach(
        (rps, sum) ->
            soft.assertThat(sum[0]).as("flapping at " + rps + " rps, total leak of its runs")
                .isLessThanOrEqualTo(1.5 * sum[1]));
    soft.assertAll();
  }

  @Test
  void randomFailuresAndHealthyBackendsAreLeftAlone() {
    SoftAssertions soft = new SoftAssertions();
    for (Pair r : where(r -> r.name().contains("flaky"))) {
      soft.assertThat(r.m.rejectedShare()).as(r.what()).isLessThanOrEqualTo(0.01);
    }
    for (Pair r : where(r -> r.name().equals("healthy"))) {
      soft.assertThat(r.m.rejected()).as(r.what()).isZero();
    }
    soft.assertAll();
  }

  @Test
  void lowRateClientsAreProtectedFromFiveRequestsPerSecond() {
    SoftAssertions soft = new SoftAssertions();
    for (Pair r : where(r -> r.name().endsWith("outage") && !r.name().startsWith("slow")
        && !r.name().startsWith("partial") && r.perClient() < 50)) {
      // The original never sheds a thing at these rates: its window never holds 100 requests.
      soft.assertThat(r.o.leak()).as(r.what()).isEqualTo(1.0);
      // At 2 rps a 10 s outage is about 20 requests, and a run must reach 7 failures (a third
      // of them) before it is significant; the README gives the numbers.
      if (r.perClient() >= 5) {
        soft.assertThat(r.m.leak()).as(r.what()).isLessThanOrEqualTo(0.30);
      }
      soft.assertThat(r.m.recovery()).as(r.what()).isLessThanOrEqualTo(3.0);
    }
    soft.assertAll();
  }

  @Test
  void everyOtherMetricIsAtLeastAsGoodAsTheOriginalsWithinAPoint() {
    SoftAssertions soft = new SoftAssertions();
    for (Pair r : runs) {
      String name = r.name();
      boolean flapping = name.equals("flapping"); // leak judged against 1.5 x above
      boolean rampAtFifty = name.equals("ramp") && r.result.rps() == 50; // the probe's cost
      if (!flapping && !rampAtFifty) {
        check(soft, r, "leak", Metrics::leak, true, 0.01);
      }
      if (rampAtFifty) {
        // A probe every 1.5 s is 1.3 % of a 50 rps dead phase; the original sends none.
        check(soft, r, "leak", Metrics::leak, true, 0.02);
      }
      if (r.perClient() >= 50) { // below, the original never sheds, so it has nothing to recover
        check(soft, r, "recovery", Metrics::recovery, true, 0.1);
      }
      check(soft, r, "false rejections", Metrics::falseRejections, true, 0.01);
      check(soft, r, "admitted", Metrics::admitted, false, 0.01);
      if (name.contains("flaky") || name.equals("healthy")) {
        check(soft, r, "rejected", Metrics::rejectedShare, true, 0.01);
      }
    }
    soft.assertAll();
  }

  private static void check(SoftAssertions soft, Pair r, String metric,
      ToDoubleFunction<Metrics> f, boolean lowerIsBetter, double slack) {
    double m = f.applyAsDouble(r.m);
    double o = f.applyAsDouble(r.o);
    if (Double.isNaN(m) || Double.isNaN(o)) {
      return;
    }
    if (lowerIsBetter) {
      soft.assertThat(m).as(metric + ", " + r.what()).isLessThanOrEqualTo(o + slack);
    } else {
      soft.assertThat(m).as(metric + ", " + r.what()).isGreaterThanOrEqualTo(o - slack);
    }
  }

  @Test
  void theOriginalLeaksAFifthAndRecoversSlowly() {
    SoftAssertions soft = new SoftAssertions();
    for (Pair r : where(r -> r.name().equals("outage") && r.perClient() >= 50)) {
      soft.assertThat(r.o.leak()).as(r.what()).isBetween(0.17, 0.24);
      soft.assertThat(r.o.recovery()).as(r.what()).isGreaterThan(5.0);
    }
    for (Pair r : where(r -> r.name().equals("overload") && r.perClient() >= 500)) {
      soft.assertThat(r.o.sentPerCapacity()).as(r.what()).isBetween(1.6, 1.75);
    }
    for (Pair r : where(r -> r.name().equals("healthy"))) {
      soft.assertThat(r.o.rejected()).as(r.what()).isZero();
    }
    soft.assertAll();
  }
}
