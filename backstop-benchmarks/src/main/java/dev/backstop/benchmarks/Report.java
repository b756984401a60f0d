package dev.backstop.benchmarks;

import static dev.backstop.benchmarks.Targets.LONG_ADDER;
import static dev.backstop.benchmarks.Targets.NANO_TIME;

import dev.backstop.ClockCost;
import dev.backstop.benchmarks.IntegrationAllocations.Census;
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
 * Turns JMH JSON result files ({@code -rf json}) into the Markdown report of {@code RESULTS.md}:
 * one table row per benchmark with ns/op at 1 and 2 threads, each as a ratio to the {@code
 * LongAdder} and {@code nanoTime} baselines of the same run and thread count, allocation per
 * operation, and the check of Backstop's {@link Targets}. {@link JmhResults} reads the files; this
 * class renders.
 *
 * <p>With the census of {@link IntegrationAllocations} ({@code --allocations}) it adds what each
 * integration costs its client's call, with {@link OperationMemory}'s measurement ({@code
 * --memory}) the memory held per operation, and with {@link ClockCost}'s ({@code --clock}) what
 * the shared clock's thread costs.
 *
 * <p>Usage: {@code java -cp benchmarks.jar dev.backstop.benchmarks.Report --out FILE [--note TEXT]
 * [--allocations FILE] [--memory FILE] [--clock FILE] JSON...}. Not thread-safe; it is a
 * command.
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

  /** What the memory report says each class held per operation is. */
  static final Map<String, String> HELD = new LinkedHashMap<>();

  static {
    HELD.put("[J", "the current `SreBreaker.Frame`'s two `long[bucket]` arrays");
    HELD.put(
        "java.util.concurrent.atomic.Striped64$Cell",
        "`LongAdder` cells, made on contention, each padded against false sharing (`@Contended`)");
    HELD.put("dev.backstop.SreBreaker", "the breaker");
    HELD.put("java.util.concurrent.atomic.LongAdder", "`outcomes` and `rejections`");
    HELD.put(
        "java.time.Duration", "`window` and `probe` of the breaker's `Settings`, made per builder");
    HELD.put("dev.backstop.SreBreaker$Settings", "the breaker's `settings()`");
    HELD.put("dev.backstop.NotAllowedException", "the breaker's own rejection, carrying its name");
    HELD.put("java.util.concurrent.ConcurrentHashMap$Node", "the group's map entry");
    HELD.put("dev.backstop.SreBreaker$Frame", "the window's current frame");
    HELD.put("dev.backstop.Group$Entry", "the group's entry (value, used flag, stamp)");
    HELD.put("[B", "the operation name's bytes");
    HELD.put("java.lang.String", "the operation name");
    HELD.put("[Ljava.util.concurrent.ConcurrentHashMap$Node;", "the group map's table");
    HELD.put("[Ljava.util.concurrent.atomic.Striped64$Cell;", "the `LongAdder`s' cell arrays");
  }

  private Report() {}

  /**
   * Everything a report is made of.
   *
   * @param results the JMH results of every file
   * @param jdk the JVM, as {@link JmhResults#jdk()}
   * @param settings the JMH settings, as {@link JmhResults#settings()}
   * @param censuses the integrations' allocation census, or empty
   * @param memory the memory held per operation, or {@code null} if not measured
   * @param clock what the shared clock's thread costs, or {@code null} if not measured
   */
  record Inputs(
      List<Result> results,
      String jdk,
      String settings,
      List<Census> censuses,
      OperationMemory.Measurement memory,
      ClockCost.Measurement clock) {

    /** Only JMH results. */
    Inputs(List<Result> results, String jdk, String settings) {
      this(results, jdk, settings, List.of(), null, null);
    }

    /** Everything but the clock's cost. */
    Inputs(
        List<Result> results,
        String jdk,
        String settings,
        List<Census> censuses,
        OperationMemory.Measurement memory) {
      this(results, jdk, settings, censuses, memory, null);
    }
  }

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
    List<Census> censuses = List.of();
    OperationMemory.Measurement memory = null;
    ClockCost.Measurement clock = null;
    List<Path> inputs = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--out") && i + 1 < args.length) {
        out = Path.of(args[++i]);
      } else if (args[i].equals("--note") && i + 1 < args.length) {
        note = args[++i];
      } else if (args[i].equals("--allocations") && i + 1 < args.length) {
        censuses = IntegrationAllocations.read(Path.of(args[++i]));
      } else if (args[i].equals("--memory") && i + 1 < args.length) {
        memory = OperationMemory.read(Path.of(args[++i]));
      } else if (args[i].equals("--clock") && i + 1 < args.length) {
        clock = ClockCost.read(Path.of(args[++i]));
      } else {
        inputs.add(Path.of(args[i]));
      }
    }
    if (out == null || inputs.isEmpty()) {
      System.err.println(
          "usage: Report --out FILE [--note TEXT] [--allocations FILE] [--memory FILE]"
              + " [--clock FILE] JSON...");
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
    Inputs in = new Inputs(results, jdk, settings, censuses, memory, clock);
    Files.writeString(out, render(in, machine), StandardCharsets.UTF_8);
    List<Check> checks = Targets.check(results, censuses);
    long met = checks.stream().filter(Check::met).count();
    System.out.println("wrote " + out + ": " + met + " of " + checks.size() + " targets met");
  }

  /** Renders the whole report. */
  static String render(Inputs in, Machine machine) {
    List<Check> checks = Targets.check(in.results(), in.censuses());
    List<Result> results = in.results().stream().filter(r -> !integration(r)).toList();
    String jdk = in.jdk();
    String settings = in.settings();
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
    if (!in.censuses().isEmpty() || in.results().stream().anyMatch(Report::integration)) {
      md.append(integrations(in.results(), in.censuses()));
    }
    if (in.memory() != null) {
      md.append(memory(in.memory()));
    }
    if (in.clock() != null) {
      md.append(clock(in.clock()));
    }
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

  private static boolean integration(Result r) {
    return r.name().startsWith(Targets.INTEGRATION);
  }

  /** The section on what each integration adds to its client's call. */
  static String integrations(List<Result> results, List<Census> censuses) {
    StringBuilder md = new StringBuilder();
    md.append("\n## Integrations\n\n");
    md.append(
        "Each client calling a server on loopback, plain and guarded by Backstop with its defaults"
            + " (a healthy backend), in the same run at 1 thread: a unary gRPC call over the"
            + " in-process transport (client and server on direct executors), and an HTTP/1.1 GET"
            + " of a 2-byte body from a JDK `HttpServer` by the JDK `HttpClient` and by OkHttp"
            + " (`Integrations`). Added is guarded − plain. B/op counts every thread of the JVM,"
            + " the server's included, so it carries the noise of the clients' own kilobytes per"
            + " call; the last column is exact: the objects per call that Backstop's own code"
            + " allocates (`IntegrationAllocations`, below).\n\n");
    md.append(
        "| client | plain ns/op | guarded ns/op | added ns | added | plain B/op | guarded B/op"
            + " | added B/op | Backstop's objects per call |\n");
    md.append("|---|--:|--:|--:|--:|--:|--:|--:|--:|\n");
    for (Targets.Integration i : Targets.INTEGRATIONS) {
      Optional<Result> plain = find(results, i.plain(), 1);
      Optional<Result> guarded = find(results, i.guarded(), 1);
      Optional<Census> census = census(censuses, i.client());
      boolean both = plain.isPresent() && guarded.isPresent();
      md.append("| ").append(i.client());
      md.append(" | ").append(plain.map(Report::time).orElse("—"));
      md.append(" | ").append(guarded.map(Report::time).orElse("—"));
      md.append(" | ")
          .append(both ? format("%+.0f", guarded.get().score() - plain.get().score()) : "—");
      md.append(" | ")
          .append(
              both
                  ? format(
                      "%+.1f %%",
                      100 * (guarded.get().score() - plain.get().score()) / plain.get().score())
                  : "—");
      md.append(" | ").append(plain.map(r -> bytes(r.bytes())).orElse("—"));
      md.append(" | ").append(guarded.map(r -> bytes(r.bytes())).orElse("—"));
      md.append(" | ")
          .append(
              both && !Double.isNaN(plain.get().bytes())
                  ? format("%+.1f", guarded.get().bytes() - plain.get().bytes())
                  : "—");
      md.append(" | ")
          .append(census.map(c -> format("%.2f", c.backstopObjects())).orElse("—"))
          .append(" |\n");
    }
    if (censuses.isEmpty()) {
      return md.toString();
    }
    md.append(
        "\nWhat Backstop's own code allocates per guarded call, by allocation site"
            + " (`IntegrationAllocations`: JFR allocation events with thread-local allocation"
            + " buffers off, so every object is counted; an object is Backstop's if its stack"
            + " reaches a Backstop frame before any frame of the client's libraries):\n\n");
    for (Census c : censuses) {
      md.append("- ").append(c.client()).append(": ");
      List<String> sites = new ArrayList<>();
      double rest = 0;
      for (IntegrationAllocations.Site site : c.sites()) {
        if (site.objects() >= SITE) {
          sites.add(format("%.2f ", site.objects()) + "`" + site.site() + "`");
        } else {
          rest += site.objects();
        }
      }
      if (rest > 0) {
        sites.add(format("%.3f", rest) + " at rarer sites (a new window frame every bucket)");
      }
      md.append(sites.isEmpty() ? "nothing" : String.join("; ", sites)).append('\n');
    }
    md.append(
            "\n"
                + "Everything the guarded call allocates beyond the plain call, by class, objects"
                + " per call (class histograms of the whole heap around ")
        .append(censuses.get(0).calls())
        .append(
            " calls per path without a collection; classes within "
                + format("%.1f", IntegrationAllocations.NOISE)
                + " objects per call left out). It includes what the client allocates because an"
                + " interceptor is installed, and for the JDK `HttpClient` its selector thread's"
                + " timing-dependent allocations:\n\n");
    for (Census c : censuses) {
      md.append("- ")
          .append(c.client())
          .append(
              format(
                  " (plain %.1f, guarded %.1f objects per call): ",
                  c.plain().objects(), c.guarded().objects()));
      List<String> classes = new ArrayList<>();
      for (Histogram.Count count : c.added()) {
        classes.add(format("%+.2f ", count.objects()) + "`" + count.name() + "`");
      }
      md.append(classes.isEmpty() ? "nothing" : String.join(", ", classes)).append('\n');
    }
    return md.toString();
  }

  /** Sites allocating at least this many objects per call are listed one by one. */
  static final double SITE = 0.05;

  /** The classes Backstop's code allocates on every call, e.g. {@code " (GuardedCall 1.00)"}. */
  static String classes(Census census) {
    Map<String, Double> byClass = new LinkedHashMap<>();
    for (IntegrationAllocations.Site site : census.sites()) {
      if (site.objects() >= IntegrationAllocations.EVERY_CALL) {
        String type = site.site().substring(0, site.site().indexOf(' '));
        byClass.merge(type.substring(type.lastIndexOf('.') + 1), site.objects(), Double::sum);
      }
    }
    List<String> parts = new ArrayList<>();
    byClass.forEach((type, objects) -> parts.add(type + format(" %.2f", objects)));
    return parts.isEmpty() ? "" : " (" + String.join(", ", parts) + ")";
  }

  private static Optional<Census> census(List<Census> censuses, String client) {
    return censuses.stream().filter(c -> c.client().equals(client)).findFirst();
  }

  /** The section on what the shared clock's thread costs while it runs. */
  static String clock(ClockCost.Measurement m) {
    return "\n## The clock thread\n\n"
        + String.format(
            Locale.ROOT,
            "A breaker busy enough to gain by it reads, instead of the system clock, a field that one"
                + " daemon thread per JVM (`backstop-clock`) updates every %d µs while a breaker"
                + " reads it (`ClockCost`: the clock kept in use for %.0f s): it ticked every %.0f µs"
                + " on average and used %.2f %% of one CPU, %.1f µs of CPU per tick."
                + " `-Ddev.backstop.clockThread=false` turns it off.\n",
            m.tickNanos() / 1_000,
            m.seconds(),
            m.meanTickNanos() / 1e3,
            m.cpuPercent(),
            m.cpuPerTickNanos() / 1e3);
  }

  /** The section on the memory held per idle operation. */
  static String memory(OperationMemory.Measurement memory) {
    StringBuilder md = new StringBuilder();
    md.append("\n## Memory per operation\n\n");
    md.append(
        format(
            "A `Backstop` with the default breakers, in a group that holds %,d operations"
                + " (`OperationMemory`): the live heap it holds per operation, by class, from class"
                + " histograms after a full collection. Each operation's name (`\"op-12345\"`) is"
                + " held only by the group and counted.",
            memory.operations()));
    md.append(
        " Classes below half a byte per operation are left out of the rows, not of the total.\n\n");
    List<OperationMemory.Held> held = memory.held();
    md.append("| class | what it is");
    for (OperationMemory.Held h : held) {
      md.append(" | after ").append(h.after()).append(": objects | B");
    }
    md.append(" |\n|---|---");
    md.append("|--:|--:".repeat(held.size())).append("|\n");
    List<String> names = new ArrayList<>();
    for (OperationMemory.Held h : held) {
      for (Histogram.Count c : h.classes()) {
        if (!names.contains(c.name())) {
          names.add(c.name());
        }
      }
    }
    for (String name : names) {
      md.append("| `").append(name).append("` | ").append(HELD.getOrDefault(name, ""));
      for (OperationMemory.Held h : held) {
        Optional<Histogram.Count> c =
            h.classes().stream().filter(x -> x.name().equals(name)).findFirst();
        md.append(" | ").append(c.map(x -> format("%.2f", x.objects())).orElse("—"));
        md.append(" | ").append(c.map(x -> format("%.1f", x.bytes())).orElse("—"));
      }
      md.append(" |\n");
    }
    md.append("| **total** | ");
    for (OperationMemory.Held h : held) {
      md.append(" | | **").append(format("%.0f", h.bytes())).append("**");
    }
    md.append(" |\n");
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

  private static Optional<Result> find(
      List<Result> results, String name, Optional<Integer> threads) {
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
