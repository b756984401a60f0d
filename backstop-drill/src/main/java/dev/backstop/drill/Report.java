package dev.backstop.drill;

import dev.backstop.SreBreaker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.DoubleFunction;
import java.util.function.ToDoubleFunction;

/** Text and JSON renderings of results, for the command line. Stateless. */
final class Report {

  private Report() {}

  /** A number without a needless fraction: 500, 2.5, 0.25. */
  static String number(double value) {
    if (value == Math.rint(value) && Math.abs(value) < 1e15) {
      return Long.toString((long) value);
    }
    return String.format(Locale.ROOT, "%.4g", value).replaceAll("\\.?0+$", "");
  }

  /** A share as a percentage with one decimal, or "-" if it does not apply. */
  static String percent(double share) {
    return Double.isNaN(share) ? "-" : String.format(Locale.ROOT, "%.1f %%", share * 100);
  }

  /** Seconds with one decimal, "never" if infinite, or "-" if it does not apply. */
  static String seconds(double seconds) {
    if (Double.isInfinite(seconds)) {
      return "never";
    }
    return Double.isNaN(seconds) ? "-" : String.format(Locale.ROOT, "%.1f s", seconds);
  }

  static String ratio(double value) {
    return Double.isNaN(value) ? "-" : String.format(Locale.ROOT, "%.2f", value);
  }

  static String duration(Duration d) {
    return number(d.toNanos() / 1e9) + " s";
  }

  /** The settings of an SreBreaker in the words of its builder. */
  static String settings(SreBreaker.Settings s) {
    return String.format(
        Locale.ROOT,
        "SreBreaker(success %s, request %d, window %s in %d buckets, recent %d, probe %s,"
            + " forgive %s)",
        number(s.success()),
        s.request(),
        duration(s.window()),
        s.bucket(),
        s.recent(),
        duration(s.probe()),
        s.forgive());
  }

  /** The summary of one run: a line about the run, a row per phase, then the metrics. */
  static String table(Simulation.Result result) {
    return header(result) + "\n" + table(result.metrics());
  }

  static String header(Simulation.Result r) {
    return String.format(
        Locale.ROOT,
        "scenario %s, %s rps %s arrivals, %s%n",
        r.scenario().name(),
        number(r.rps()),
        r.arrivals(),
        r.breaker());
  }

  static String table(Metrics m) {
    StringBuilder out = new StringBuilder();
    out.append(
        String.format(
            Locale.ROOT,
            "%-10s %-16s %-14s %9s %9s %9s %9s %9s%n",
            "phase", "backend", "time", "offered", "sent", "rejected", "failed", "rejected"));
    for (Metrics.PhaseStats p : m.phases()) {
      out.append(
          String.format(
              Locale.ROOT,
              "%-10s %-16s %-14s %9d %9d %9d %9d %9s%n",
              p.name(),
              p.backend(),
              number(p.start().toNanos() / 1e9) + "-" + duration(p.end()),
              p.offered(),
              p.sent(),
              p.rejected(),
              p.failed(),
              percent(p.rejectedShare())));
    }
    out.append(
        String.format(
            Locale.ROOT,
            "%-10s %-16s %-14s %9d %9d %9d %9d %9s%n%n",
            "all", "", "", m.offered(), m.sent(), m.rejected(), m.failed(),
            percent(m.rejectedShare())));
    out.append(
        String.format(
            Locale.ROOT,
            "leak %s   recovery %s   false rejections %s   admitted %s   goodput/capacity %s"
                + "   sent/capacity %s   rejected %s%n",
            percent(m.leak()),
            seconds(m.recovery()),
            percent(m.falseRejections()),
            percent(m.admitted()),
            percent(m.goodput()),
            ratio(m.sentPerCapacity()),
            percent(m.rejectedShare())));
    return out.toString();
  }

  /**
   * One row per case (scenario and rate), as a Markdown table so it can go straight into the
   * README: the worst of the case's runs for every metric.
   */
  static String sweep(List<Simulation.Result> results) {
    return sweep(results, null);
  }

  /**
   * As {@link #sweep(List)}, with each cell showing the breaker's worst run, then the worst of
   * {@code others} (the same runs with another breaker): {@code 4.8 % / 22.0 %}.
   */
  static String sweep(List<Simulation.Result> results, List<Simulation.Result> others) {
    StringBuilder out = new StringBuilder();
    out.append(
        "| scenario | rps | leak | recovery | false rejections | admitted | goodput/capacity"
            + " | sent/capacity | rejected |\n");
    out.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    Map<String, List<Metrics>> rows = rows(results);
    Map<String, List<Metrics>> otherRows = others == null ? null : rows(others);
    rows.forEach(
        (key, ms) -> {
          List<Metrics> os = otherRows == null ? null : otherRows.get(key);
          out.append("| ").append(key);
          cell(out, ms, os, Metrics::leak, true, Report::percent);
          cell(out, ms, os, Metrics::recovery, true, Report::seconds);
          cell(out, ms, os, Metrics::falseRejections, true, Report::percent);
          cell(out, ms, os, Metrics::admitted, false, Report::percent);
          cell(out, ms, os, Metrics::goodput, false, Report::percent);
          cell(out, ms, os, Metrics::sentPerCapacity, true, Report::ratio);
          cell(out, ms, os, Metrics::rejectedShare, true, Report::percent);
          out.append(" |\n");
        });
    return out.toString();
  }

  private static Map<String, List<Metrics>> rows(List<Simulation.Result> results) {
    Map<String, List<Metrics>> rows = new LinkedHashMap<>();
    for (Simulation.Result r : results) {
      String key = new Sweep.Case(r.scenario(), r.rps()).label() + " | " + number(r.rps());
      rows.computeIfAbsent(key, k -> new ArrayList<>()).add(r.metrics());
    }
    return rows;
  }

  private static void cell(StringBuilder out, List<Metrics> ms, List<Metrics> others,
      ToDoubleFunction<Metrics> metric, boolean highest, DoubleFunction<String> format) {
    out.append(" | ").append(format.apply(worst(ms, metric, highest)));
    if (others != null) {
      double other = worst(others, metric, highest);
      if (!Double.isNaN(other) || !Double.isNaN(worst(ms, metric, highest))) {
        out.append(" / ").append(format.apply(other));
      }
    }
  }

  /** The highest (or lowest) value of a metric over runs, ignoring runs where it is NaN. */
  static double worst(List<Metrics> runs, ToDoubleFunction<Metrics> metric, boolean highest) {
    double worst = Double.NaN;
    for (Metrics m : runs) {
      double v = metric.applyAsDouble(m);
      if (!Double.isNaN(v) && (Double.isNaN(worst) || (highest ? v > worst : v < worst))) {
        worst = v;
      }
    }
    return worst;
  }

  /** The run as JSON: settings, metrics, phases and the 100 ms series. */
  static String json(Simulation.Result r) {
    StringBuilder out = new StringBuilder();
    out.append("{\n");
    out.append("  \"scenario\": ").append(quote(r.scenario().name())).append(",\n");
    out.append("  \"rps\": ").append(json(r.rps())).append(",\n");
    out.append("  \"arrivals\": ").append(quote(r.arrivals().toString())).append(",\n");
    out.append("  \"breaker\": ").append(quote(r.breaker())).append(",\n");
    out.append(metricsJson(r.metrics(), "  ")).append(",\n");
    out.append("  \"series\": ").append(seriesJson(r.timeline(), "  ")).append("\n");
    out.append("}\n");
    return out.toString();
  }

  /** The metrics' fields, as members of an enclosing JSON object. */
  static String metricsJson(Metrics m, String indent) {
    StringBuilder out = new StringBuilder();
    out.append(indent).append("\"metrics\": {");
    out.append("\"offered\": ").append(m.offered());
    out.append(", \"sent\": ").append(m.sent());
    out.append(", \"rejected\": ").append(m.rejected());
    out.append(", \"failed\": ").append(m.failed());
    out.append(", \"leak\": ").append(json(m.leak()));
    out.append(", \"recoverySeconds\": ").append(json(m.recovery()));
    out.append(", \"falseRejections\": ").append(json(m.falseRejections()));
    out.append(", \"admitted\": ").append(json(m.admitted()));
    out.append(", \"goodputPerCapacity\": ").append(json(m.goodput()));
    out.append(", \"sentPerCapacity\": ").append(json(m.sentPerCapacity()));
    out.append(", \"rejectedShare\": ").append(json(m.rejectedShare()));
    out.append("},\n");
    out.append(indent).append("\"phases\": [");
    for (int i = 0; i < m.phases().size(); i++) {
      Metrics.PhaseStats p = m.phases().get(i);
      out.append(i == 0 ? "\n" : ",\n").append(indent).append("  {");
      out.append("\"name\": ").append(quote(p.name()));
      out.append(", \"backend\": ").append(quote(p.backend().toString()));
      out.append(", \"startSeconds\": ").append(json(p.start().toNanos() / 1e9));
      out.append(", \"endSeconds\": ").append(json(p.end().toNanos() / 1e9));
      out.append(", \"offered\": ").append(p.offered());
      out.append(", \"sent\": ").append(p.sent());
      out.append(", \"rejected\": ").append(p.rejected());
      out.append(", \"failed\": ").append(p.failed());
      out.append(", \"rejectedShare\": ").append(json(p.rejectedShare()));
      out.append("}");
    }
    out.append("\n").append(indent).append("]");
    return out.toString();
  }

  static String seriesJson(Timeline t, String indent) {
    StringBuilder offered = new StringBuilder();
    StringBuilder sent = new StringBuilder();
    StringBuilder rejected = new StringBuilder();
    StringBuilder failed = new StringBuilder();
    StringBuilder probability = new StringBuilder();
    for (int i = 0; i < t.slots().size(); i++) {
      Slot s = t.slots().get(i);
      String sep = i == 0 ? "" : ",";
      offered.append(sep).append(s.offered());
      sent.append(sep).append(s.sent());
      rejected.append(sep).append(s.rejected());
      failed.append(sep).append(s.failed());
      probability.append(sep).append(json(Math.round(s.probability() * 1e4) / 1e4));
    }
    String in = indent + "  ";
    return "{\n"
        + in + "\"slotMillis\": " + Timeline.SLOT.toMillis() + ",\n"
        + in + "\"offered\": [" + offered + "],\n"
        + in + "\"sent\": [" + sent + "],\n"
        + in + "\"rejected\": [" + rejected + "],\n"
        + in + "\"failed\": [" + failed + "],\n"
        + in + "\"probability\": [" + probability + "]\n"
        + indent + "}";
  }

  static String json(double value) {
    if (Double.isNaN(value) || Double.isInfinite(value)) {
      return "null";
    }
    return number(value);
  }

  static String quote(String s) {
    StringBuilder out = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        default -> {
          if (c < 0x20) {
            out.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    return out.append('"').toString();
  }
}
