package dev.backstop.benchmarks;

import static dev.backstop.benchmarks.Report.bytes;
import static dev.backstop.benchmarks.Report.find;
import static dev.backstop.benchmarks.Report.format;

import dev.backstop.benchmarks.JmhResults.Result;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Backstop's performance targets, each checked on results of one run: every figure is compared
 * with a baseline or another benchmark measured in the same run, never with a fixed number of
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

  /** A target and whether the results meet it. */
  record Check(String target, String measured, boolean met) {}

  private Targets() {}

  /** Checks Backstop's targets; a target whose inputs were not measured is not met. */
  static List<Check> check(List<Result> results) {
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
    return checks;
  }
}
