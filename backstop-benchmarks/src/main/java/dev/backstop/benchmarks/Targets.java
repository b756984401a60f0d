package dev.backstop.benchmarks;

import static dev.backstop.benchmarks.Report.bytes;
import static dev.backstop.benchmarks.Report.find;
import static dev.backstop.benchmarks.Report.format;

import dev.backstop.benchmarks.IntegrationAllocations.Census;
import dev.backstop.benchmarks.JmhResults.Result;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Backstop's performance targets, each checked on results of one run: every figure is compared with
 * a baseline or another benchmark measured in the same run, never with a fixed number of
 * nanoseconds. A target whose inputs were not measured is not met.
 */
final class Targets {

  /** Below this many bytes per operation (after JMH's normalisation) counts as no allocation. */
  static final double ZERO_BYTES = 0.5;

  static final String LONG_ADDER = "Baselines.longAdder";
  static final String NANO_TIME = "Baselines.nanoTime";
  static final String HEALTHY = "BackstopBenchmarks.healthy";
  static final String SHED = "BackstopBenchmarks.shed";
  static final String BACKSTOP = "BackstopBenchmarks.";
  static final String CALL = "BackstopBenchmarks.call";
  static final String FAILSAFE = "Alternatives.failsafeDefault";

  /** The healthy path's budget in {@code LongAdder.increment()}s, at 1 and at 2 threads. */
  static final double HEALTHY_ADDERS = 3;

  /** What {@code Backstop.call} may cost beyond the healthy path, in ns. */
  static final double CALL_NANOS = 10;

  /** What an integration may add to its client's call on loopback: 5 %. */
  static final double INTEGRATION_TIME = 1.05;

  /** How many objects per call Backstop's own code may allocate in an integration. */
  static final double INTEGRATION_OBJECTS = 1;

  /** The benchmarks of the integrations all start with this. */
  static final String INTEGRATION = "Integrations.";

  /** An integration: its client, as the census names it, and its plain and guarded benchmarks. */
  record Integration(String client, String plain, String guarded) {}

  static final List<Integration> INTEGRATIONS =
      List.of(
          new Integration(Integrations.GRPC, "Integrations.grpcPlain", "Integrations.grpcGuarded"),
          new Integration(
              Integrations.JDK_HTTP,
              "Integrations.httpClientPlain",
              "Integrations.httpClientGuarded"),
          new Integration(
              Integrations.OKHTTP, "Integrations.okHttpPlain", "Integrations.okHttpGuarded"));

  /** A target and whether the results meet it. */
  record Check(String target, String measured, boolean met) {}

  private Targets() {}

  /** Checks the targets on JMH results alone, without the integrations' allocation census. */
  static List<Check> check(List<Result> results) {
    return check(results, List.of());
  }

  /**
   * Checks Backstop's targets; a target whose inputs were not measured is not met. The
   * integrations' targets are checked if the run measured any integration.
   */
  static List<Check> check(List<Result> results, List<Census> censuses) {
    List<Check> checks = new ArrayList<>();
    Optional<Result> healthy = find(results, HEALTHY, 1);
    Optional<Result> nano = find(results, NANO_TIME, 1);
    Optional<Result> adder = find(results, LONG_ADDER, 1);
    String target = "healthy, 1 thread ≤ 1.3 × (nanoTime + LongAdder)";
    if (healthy.isPresent() && nano.isPresent() && adder.isPresent()) {
      double limit = 1.3 * (nano.get().score() + adder.get().score());
      checks.add(
          new Check(
              target,
              format(
                  "%.1f ≤ 1.3 × (%.1f + %.1f) = %.1f",
                  healthy.get().score(), nano.get().score(), adder.get().score(), limit),
              healthy.get().score() <= limit));
    } else {
      checks.add(new Check(target, "not measured", false));
    }
    checks.addAll(withoutClock(results));
    for (String name : Report.names(results)) {
      if (!name.startsWith(BACKSTOP)) {
        continue;
      }
      Optional<Result> one = find(results, name, 1);
      Optional<Result> two = find(results, name, 2);
      String t = name + ", 2 threads ≤ 1.5 × 1 thread";
      if (one.isPresent() && two.isPresent()) {
        double limit = 1.5 * one.get().score();
        checks.add(
            new Check(
                t,
                format("%.1f ≤ 1.5 × %.1f = %.1f", two.get().score(), one.get().score(), limit),
                two.get().score() <= limit));
      } else {
        checks.add(new Check(t, "not measured", false));
      }
    }
    for (int threads = 1; threads <= 2; threads++) {
      Optional<Result> shed = find(results, SHED, threads);
      Optional<Result> ok = find(results, HEALTHY, threads);
      String t = "shed ≤ healthy and 0 B/op, " + threads + (threads == 1 ? " thread" : " threads");
      if (shed.isPresent() && ok.isPresent()) {
        Result s = shed.get();
        checks.add(
            new Check(
                t,
                format("%.1f ≤ %.1f, %s B/op", s.score(), ok.get().score(), bytes(s.bytes())),
                s.score() <= ok.get().score() && s.bytes() < ZERO_BYTES));
      } else {
        checks.add(new Check(t, "not measured", false));
      }
    }
    List<String> allocating = new ArrayList<>();
    double most = Double.NaN;
    boolean any = false;
    for (Result r : results) {
      if (r.name().startsWith(BACKSTOP)) {
        any = true;
        if (!(r.bytes() < ZERO_BYTES)) {
          allocating.add(r.name() + " at " + r.threads() + " t: " + bytes(r.bytes()));
        }
        most = Double.isNaN(most) ? r.bytes() : Math.max(most, r.bytes());
      }
    }
    String t = "every Backstop benchmark 0 B/op (< " + ZERO_BYTES + ")";
    if (!any) {
      checks.add(new Check(t, "not measured", false));
    } else if (allocating.isEmpty()) {
      checks.add(new Check(t, format("at most %.3f B/op", most), true));
    } else {
      checks.add(new Check(t, String.join("; ", allocating), false));
    }
    if (!censuses.isEmpty() || results.stream().anyMatch(r -> r.name().startsWith(INTEGRATION))) {
      for (Integration integration : INTEGRATIONS) {
        checks.add(time(integration, results));
        checks.add(objects(integration, censuses));
      }
    }
    return checks;
  }

  /** The guarded call's time within {@link #INTEGRATION_TIME} of the plain call's, at 1 thread. */
  private static Check time(Integration integration, List<Result> results) {
    String t =
        integration.client()
            + ": guarded call ≤ "
            + format("%.2f", INTEGRATION_TIME)
            + " × plain call, 1 thread";
    Optional<Result> plain = find(results, integration.plain(), 1);
    Optional<Result> guarded = find(results, integration.guarded(), 1);
    if (plain.isEmpty() || guarded.isEmpty()) {
      return new Check(t, "not measured", false);
    }
    double p = plain.get().score();
    double g = guarded.get().score();
    double limit = INTEGRATION_TIME * p;
    return new Check(
        t,
        format(
            "%.0f ≤ %.2f × %.0f = %.0f ns (%+.1f %%)",
            g, INTEGRATION_TIME, p, limit, 100 * (g - p) / p),
        g <= limit);
  }

  /**
   * What Backstop's code allocates per call, from the census, within {@link #INTEGRATION_OBJECTS}.
   */
  private static Check objects(Integration integration, List<Census> censuses) {
    String t =
        integration.client()
            + ": Backstop's code allocates ≤ "
            + format("%.0f", INTEGRATION_OBJECTS)
            + " object per call";
    Optional<Census> census =
        censuses.stream().filter(c -> c.client().equals(integration.client())).findFirst();
    if (census.isEmpty()) {
      return new Check(t, "not measured", false);
    }
    double objects = census.get().everyCallObjects();
    double rarer = census.get().backstopObjects() - objects;
    return new Check(
        t,
        format("%.2f per call", objects)
            + Report.classes(census.get())
            + (rarer >= 0.005 ? format(", %.2f more at rarer sites", rarer) : ""),
        objects <= INTEGRATION_OBJECTS);
  }

  /**
   * The targets of a hot path without a clock read per call: healthy ≤ {@link #HEALTHY_ADDERS} ×
   * {@code LongAdder} at 1 and 2 threads, healthy below Failsafe's default at 1 thread, and {@code
   * Backstop.call} ≤ healthy + {@link #CALL_NANOS} ns at 1 and 2 threads.
   */
  private static List<Check> withoutClock(List<Result> results) {
    List<Check> checks = new ArrayList<>();
    for (int threads = 1; threads <= 2; threads++) {
      Optional<Result> healthy = find(results, HEALTHY, threads);
      Optional<Result> adder = find(results, LONG_ADDER, threads);
      String t = format("healthy ≤ %.0f × LongAdder, %s", HEALTHY_ADDERS, threads(threads));
      if (healthy.isPresent() && adder.isPresent()) {
        double limit = HEALTHY_ADDERS * adder.get().score();
        checks.add(
            new Check(
                t,
                format(
                    "%.1f ≤ %.0f × %.1f = %.1f",
                    healthy.get().score(), HEALTHY_ADDERS, adder.get().score(), limit),
                healthy.get().score() <= limit));
      } else {
        checks.add(new Check(t, "not measured", false));
      }
    }
    Optional<Result> healthy = find(results, HEALTHY, 1);
    Optional<Result> failsafe = find(results, FAILSAFE, 1);
    String t = "healthy < Failsafe's default, 1 thread";
    if (healthy.isPresent() && failsafe.isPresent()) {
      checks.add(
          new Check(
              t,
              format("%.1f < %.1f", healthy.get().score(), failsafe.get().score()),
              healthy.get().score() < failsafe.get().score()));
    } else {
      checks.add(new Check(t, "not measured", false));
    }
    for (int threads = 1; threads <= 2; threads++) {
      Optional<Result> call = find(results, CALL, threads);
      Optional<Result> ok = find(results, HEALTHY, threads);
      String c = format("Backstop.call ≤ healthy + %.0f ns, %s", CALL_NANOS, threads(threads));
      if (call.isPresent() && ok.isPresent()) {
        double limit = ok.get().score() + CALL_NANOS;
        checks.add(
            new Check(
                c,
                format(
                    "%.1f ≤ %.1f + %.0f = %.1f",
                    call.get().score(), ok.get().score(), CALL_NANOS, limit),
                call.get().score() <= limit));
      } else {
        checks.add(new Check(c, "not measured", false));
      }
    }
    return checks;
  }

  private static String threads(int threads) {
    return threads + (threads == 1 ? " thread" : " threads");
  }
}
