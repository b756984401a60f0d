package dev.backstop.benchmarks;

import static dev.backstop.benchmarks.Targets.LONG_ADDER;
import static dev.backstop.benchmarks.Targets.NANO_TIME;

import dev.backstop.benchmarks.JmhResults.Result;
import dev.backstop.benchmarks.Targets.Check;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Turns JMH JSON result files ({@code -rf json}) into the Markdown report of {@code RESULTS.md}: one
 * table row per benchmark with ns/op at 1 and 2 threads, each as a ratio to the {@code LongAdder}
 * and {@code nanoTime} baselines of the same run and thread count, allocation per operation, and
 * the check of Backstop's {@link Targets}. {@link JmhResults} reads the files; this class renders.
 *
 * <p>Usage: {@code java -cp benchmarks.jar dev.backstop.benchmarks.Report --out FILE [--note TEXT]
 * JSON...}. Not thread-safe; it is a command.
 */
public final class Report {

  /** What each known benchmark measures, in table order. */
  static final Map<String, String> WHAT = new LinkedHashMap<>();

  static {
    WHAT.put("Baselines.empty", "empty method (the harness alone)");
    WHAT.put(LONG_ADDER, "`LongAdder.increment()`");
    WHAT.put(NANO_TIME, "`System.nanoTime()`");
    WHAT.put(Targets.HEALTHY, "SreBreaker allow + markSuccess, defaults (healthy path)");
    WHAT.put(Targets.SHED, "SreBreaker rejecting: allow throws, markRejected (shed path)");
    WHAT.put("BackstopBenchmarks.failed", "SreBreaker allow + markFailed, kept closed");
    WHAT.put("BackstopBenchmarks.groupGet", "Group.get on an existing key");
    WHAT.put("BackstopBenchmarks.call", "Backstop.call with a trivial action");
    WHAT.put(
        "BackstopBenchmarks.healthyListened",
        "healthy path with a no-op BreakerListener registered");
    WHAT.put(
        "BackstopBenchmarks.callMetered",
        "Backstop.call measured by backstop-micrometer's BackstopMetrics");
    WHAT.put("Alternatives.resilience4jDefault", "Resilience4j 2.4.0, defaults");
    WHAT.put("Alternatives.resilience4jTimeBased", "Resilience4j 2.4.0, time-based 3 s window");
    WHAT.put("Alternatives.failsafeDefault", "Failsafe 3.3.2, defaults");
    WHAT.put("Alternatives.failsafeTimeBased", "Failsafe 3.3.2, time-based 3 s failure rate");
    WHAT.put(
        "GrpcAdaptiveThrottler.grpcAdaptiveThrottler",
        "gRPC-java `AdaptiveThrottler` (grpc-rls 1.85.1), defaults");
  }

  private Report() {}

  /**
   * Where and how the results were measured.
   *
   * @param date when the report was made
   * @param cpus the number of CPUs the JVM sees ({@code nproc})
   * @param model the CPU model
   * @param note anything else worth knowing about the run, or empty
   */
  record Machine(String date, int cpus, String model, String note) {}

  /** Writes the report of the JSON files given on the command line. */
  public static void main(String[] args) throws IOException {
    Path out = null;
    String note = "";
    List<Path> inputs = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--out") && i + 1 < args.length) {
        out = Path.of(args[++i]);
      } else if (args[i].equals("--note") && i + 1 < args.length) {
        note = args[++i];
      } else {
        inputs.add(Path.of(args[i]));
      }
    }
    if (out == null || inputs.isEmpty()) {
      System.err.println("usage: Report --out FILE [--note TEXT] JSON...");
      System.exit(2);
      return;
    }
    List<Result> results = new ArrayList<>();
    String jdk = "";
    String settings = "";
    for (Path input : inputs) {
      JmhResults file = JmhResults.read(input);
      results.addAll(file.results());
      jdk = file.jdk();
      settings = file.settings();
    }
    Machine machine =
        new Machine(
            ZonedDateTime.now(ZoneOffset.UTC)
                .format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'", Locale.ROOT)),
            Runtime.getRuntime().availableProcessors(),
            cpuModel(),
            note);
    String report = render(results, machine, jdk, settings);
    Files.writeString(out, report, StandardCharsets.UTF_8);
    List<Check> checks = Targets.check(results);
    long met = checks.stream().filter(Check::met).count();
    System.out.println("wrote " + out + ": " + met + " of " + checks.size() + " targets met");
  }

  /** Renders the whole report. */
  static String render(List<Result> results, Machine machine, String jdk, String settings) {
    List<Check> checks = Targets.check(results);
    long met = checks.stream().filter(Check::met).count();
    StringBuilder md = new StringBuilder();
    md.append("# Backstop benchmarks\n\n");
    md.append("- date: ").append(machine.date()).append('\n');
    md.append("- JDK: ").append(jdk).append('\n');
    md.append("- machine: ")
        .append(machine.cpus())
        .append(" CPUs (`nproc`), ")
        .append(machine.model())
        .append('\n');
    List<Result> onCpu = results.stream().flatMap(r -> r.onCpu().stream()).toList();
    md.append("- JMH 1.37: ")
        .append(settings)
        .append(", `-prof gc`")
        .append(onCpu.isEmpty() ? "" : ", `-prof " + CpuTimeProfiler.class.getName() + "`")
        .append('\n');
    if (!machine.note().isEmpty()) {
      md.append("- note: ").append(machine.note()).append('\n');
    }
    md.append("- targets: ").append(met).append(" of ").append(checks.size()).append(" met\n\n");
    md.append(
        "Average time per operation in ns (± the half-width of JMH's 99.9 % confidence interval),"
            + " with 1 and with 2 threads sharing one instance; at 2 threads it is each thread's"
            + " time per operation. ×LongAdder and ×nanoTime divide by those baselines at the same"
            + " thread count in this run. B/op is `gc.alloc.rate.norm`. Every alternative runs"
            + " the healthy path in the same shape: acquire permission, then record a success"
            + " (Resilience4j's with a zero duration: its own decorators would also read the clock"
            + " twice to time the call).\n\n");
    md.append(table(results, false));
    md.append("\n## Targets\n\n");
    md.append(checkTable(checks));
    if (!onCpu.isEmpty()) {
      md.append("\n## On-CPU time\n\n");
      md.append(
          "CPU time the benchmark threads spent per operation (`cpu.time.norm` of"
              + " `CpuTimeProfiler`), which leaves out time spent waiting for a CPU while other"
              + " processes ran, and the share of the wall time they were on a CPU. For reading"
              + " runs on a loaded machine; the targets above are on wall time.\n\n");
      md.append(table(onCpu, true));
      md.append("\nThe targets on CPU time:\n\n");
      md.append(checkTable(Targets.check(onCpu)));
    }
    return md.toString();
  }

  private static String checkTable(List<Check> checks) {
    StringBuilder md = new StringBuilder();
    md.append("| target | measured | met |\n|---|---|---|\n");
    for (Check c : checks) {
      md.append("| ")
          .append(c.target())
          .append(" | ")
          .append(c.measured())
          .append(" | ")
          .append(c.met() ? "yes" : "**no**")
          .append(" |\n");
    }
    return md.toString();
  }

  /**
   * Renders the results table, baselines first, then Backstop, then the alternatives; the last two
   * columns are B/op, or with {@code shares} the share of time on a CPU.
   */
  static String table(List<Result> results, boolean shares) {
    StringBuilder md = new StringBuilder();
    md.append(
        "| benchmark | what | 1 thread ns/op | ×LongAdder | ×nanoTime | 2 threads ns/op"
            + " | ×LongAdder | ×nanoTime | 2 t / 1 t | "
            + (shares ? "on CPU 1 t | on CPU 2 t" : "B/op 1 t | B/op 2 t")
            + " |\n");
    md.append("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n");
    for (String name : names(results)) {
      Optional<Result> one = find(results, name, 1);
      Optional<Result> two = find(results, name, 2);
      md.append("| ").append(name).append(" | ").append(WHAT.getOrDefault(name, ""));
      for (Optional<Result> r : List.of(one, two)) {
        md.append(" | ").append(r.map(Report::time).orElse("—"));
        md.append(" | ").append(ratio(r, find(results, LONG_ADDER, r.map(Result::threads))));
        md.append(" | ").append(ratio(r, find(results, NANO_TIME, r.map(Result::threads))));
      }
      md.append(" | ").append(ratio(two, one));
      for (Optional<Result> r : List.of(one, two)) {
        md.append(" | ")
            .append(r.map(x -> shares ? percent(x.share()) : bytes(x.bytes())).orElse("—"));
      }
      md.append(" |\n");
    }
    return md.toString();
  }

  /** The benchmarks of {@code results}: the known ones in table order, then the others by name. */
  static List<String> names(List<Result> results) {
    List<String> names = new ArrayList<>();
    for (String known : WHAT.keySet()) {
      if (results.stream().anyMatch(r -> r.name().equals(known))) {
        names.add(known);
      }
    }
    TreeSet<String> others = new TreeSet<>();
    results.stream().map(Result::name).filter(n -> !WHAT.containsKey(n)).forEach(others::add);
    names.addAll(others);
    return names;
  }

  /** The result of benchmark {@code name} at {@code threads} threads, if measured. */
  static Optional<Result> find(List<Result> results, String name, int threads) {
    return results.stream()
        .filter(r -> r.name().equals(name) && r.threads() == threads)
        .findFirst();
  }

  private static Optional<Result> find(List<Result> results, String name, Optional<Integer> threads) {
    return threads.flatMap(t -> find(results, name, t));
  }

  private static String time(Result r) {
    return Double.isFinite(r.error())
        ? format("%.1f ± %.1f", r.score(), r.error())
        : format("%.1f", r.score());
  }

  private static String ratio(Optional<Result> r, Optional<Result> base) {
    if (r.isEmpty() || base.isEmpty() || !(base.get().score() > 0)) {
      return "—";
    }
    return format("%.2f", r.get().score() / base.get().score());
  }

  static String bytes(double b) {
    return Double.isNaN(b) ? "—" : format("%.1f", b);
  }

  private static String percent(double share) {
    return Double.isNaN(share) ? "—" : format("%.0f %%", share * 100);
  }

  static String format(String pattern, Object... args) {
    return String.format(Locale.ROOT, pattern, args);
  }

  private static String cpuModel() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (line.startsWith("model name")) {
          return line.substring(line.indexOf(':') + 1).trim();
        }
      }
    } catch (IOException | RuntimeException e) {
      // Not Linux: fall back to what the JVM knows.
    }
    return System.getProperty("os.arch");
  }
}
