package dev.backstop.drill;

import dev.backstop.CircuitBreaker;
import dev.backstop.SreBreaker;
import dev.backstop.Ticker;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.BiFunction;
import java.util.function.DoubleSupplier;
import java.util.stream.LongStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code drill simulate}: one scenario, or the sweep, in simulated time. */
@Command(
    name = "simulate",
    mixinStandardHelpOptions = true,
    version = Drill.VERSION,
    sortOptions = false,
    description = {
      "Drive the real Backstop middleware and SreBreaker through a scenario in simulated time"
          + " (no sleeping; about a second), print the summary and write the chart.",
      "Scenarios: outage (healthy 10 s, dead 10 s, healed 60 s), slow-outage (the outage with"
          + " successes reported after 20 ms and failures after --timeout), flapping (dead 2 s /"
          + " healthy 2 s, 15 times), partial-outage (90 % failing for 10 s), ramp (failures"
          + " rising 0-100 % over 20 s, dead 10 s, falling over 20 s), overload (capacity per"
          + " second, 60 s), quota (capacity per calendar second, 60 s), flaky (fails a share at"
          + " random, 60 s), healthy (60 s)."
    })
final class SimulateCommand implements Callable<Integer> {

  /** The names --scenario accepts. */
  static final class ScenarioNames implements Iterable<String> {
    static final List<String> NAMES =
        List.of("outage", "slow-outage", "flapping", "partial-outage", "ramp", "overload",
            "quota", "flaky", "healthy");

    @Override
    public Iterator<String> iterator() {
      return NAMES.iterator();
    }
  }

  enum ArrivalsName { even, poisson }

  @Spec CommandSpec spec;

  @Option(names = "--scenario", paramLabel = "NAME", completionCandidates = ScenarioNames.class,
      description = "${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}).")
  String scenario = "outage";

  @Option(names = "--rps", paramLabel = "RATE",
      description = "Offered requests per second, over all clients (default ${DEFAULT-VALUE}).")
  double rps = 500;

  @Option(names = "--arrivals", paramLabel = "KIND",
      description = "even or poisson (default even; --sweep runs both).")
  ArrivalsName arrivals;

  @Option(names = "--seed", paramLabel = "N",
      description = "Seed of the breaker's draws, the backend's and Poisson arrivals"
          + " (default ${DEFAULT-VALUE}).")
  long seed = 1;

  @Option(names = "--fail", paramLabel = "SHARE",
      description = "flaky: share of requests the backend fails (default ${DEFAULT-VALUE}).")
  double fail = 0.3;

  @Option(names = "--capacity", paramLabel = "RATE",
      description = "overload and quota: requests per second the backend serves (default"
          + " rps/2).")
  Double capacity;

  @Option(names = "--timeout", paramLabel = "DURATION", converter = DurationConverter.class,
      description = "slow-outage: how long a failure takes to report (default 1s).")
  Duration timeout = Duration.ofSeconds(1);

  @Option(names = "--clients", paramLabel = "N",
      description = "Clients sharing the backend, each with its own breaker and an equal share"
          + " of --rps (default ${DEFAULT-VALUE}).")
  int clients = 1;

  @Mixin BreakerOptions breaker = new BreakerOptions();

  @Option(names = "--sweep",
      description = "Run every scenario of the sweep (README, How it behaves) at its rates, with"
          + " even and Poisson arrivals and seeds 1 to --seeds, and print one Markdown table of"
          + " the worst run of each (--scenario, --rps, --seed and --out are ignored).")
  boolean sweep;

  @Option(names = "--compare",
      description = "--sweep: show each cell as this breaker's worst run / the original's"
          + " (SreBreaker.original()) worst run of the same runs.")
  boolean compare;

  @Option(names = "--seeds", paramLabel = "N",
      description = "--sweep: how many seeds each scenario runs with (default ${DEFAULT-VALUE}).")
  int seeds = 5;

  @Option(names = "--json", description = "Print the result as JSON (with the 100 ms series).")
  boolean json;

  @Option(names = "--out", paramLabel = "FILE",
      description = "Chart to write, .png or .svg (default ${DEFAULT-VALUE}).")
  Path out = Path.of("drill.png");

  @Override
  public Integer call() throws IOException {
    PrintWriter stdout = spec.commandLine().getOut();
    try {
      breaker.factory();
      if (sweep) {
        if (seeds < 1 || seeds > 100) {
          throw new IllegalArgumentException("seeds must be in [1, 100], was " + seeds);
        }
        List<Simulation.Result> results = sweep(breaker.factory());
        if (json) {
          stdout.println(sweepJson(results));
        } else if (compare) {
          List<Simulation.Result> originals =
              sweep((t, r) -> SreBreaker.original().ticker(t).random(r).build());
          stdout.print(Sweep.table(results, originals));
          stdout.println();
          stdout.printf(
              Locale.ROOT,
              "%s / %s; worst of %s arrivals, seeds 1-%d%n",
              results.get(0).breaker(),
              originals.get(0).breaker(),
              arrivalsLabel(),
              seeds);
        } else {
          stdout.print(Sweep.table(results));
          stdout.println();
          stdout.printf(
              Locale.ROOT,
              "%s; worst of %s arrivals, seeds 1-%d%n",
              results.get(0).breaker(),
              arrivalsLabel(),
              seeds);
        }
        stdout.flush();
        return 0;
      }
      Chart.isPng(out);
      Scenario s = scenario();
      Simulation.Result result =
          Simulation.builder(s)
              .rps(rps)
              .arrivals(arrivals == ArrivalsName.poisson ? Arrivals.poisson(seed) : Arrivals.even())
              .seed(seed)
              .breaker(breaker.factory())
              .build()
              .run();
      if (json) {
        stdout.print(Report.json(result));
      } else {
        stdout.print(Report.table(result));
      }
      stdout.flush();
      String title =
          String.format(Locale.ROOT, "%s at %s rps (simulated)", s.name(), Report.number(rps));
      Chart.write(result.timeline(), title, out);
      spec.commandLine().getErr().println("chart: " + out);
      return 0;
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
  }

  Scenario scenario() {
    double cap = capacity != null ? capacity : rps / 2;
    Scenario s =
        switch (scenario) {
          case "outage" -> Scenario.outage();
          case "slow-outage" -> Scenario.slowOutage(timeout);
          case "flapping" -> Scenario.flapping();
          case "partial-outage" -> Scenario.partialOutage();
          case "ramp" -> Scenario.ramp();
          case "overload" -> Scenario.overload(cap);
          case "quota" -> Scenario.quota(cap);
          case "flaky" -> Scenario.flaky(fail);
          case "healthy" -> Scenario.healthy();
          default -> throw new IllegalArgumentException(
              "scenario must be one of " + String.join(", ", ScenarioNames.NAMES) + ", was '"
                  + scenario + "'");
        };
    return clients == 1 ? s : Scenario.fleet(clients, s);
  }

  private String arrivalsLabel() {
    return arrivals == null ? "even and Poisson" : arrivals.name();
  }

  List<Simulation.Result> sweep(
      BiFunction<? super Ticker, ? super DoubleSupplier, ? extends CircuitBreaker> factory) {
    List<Arrivals> kinds = new ArrayList<>();
    if (arrivals != ArrivalsName.poisson) {
      kinds.add(Arrivals.even());
    }
    if (arrivals != ArrivalsName.even) {
      kinds.add(Arrivals.poisson(0));
    }
    return Sweep.run(kinds, LongStream.rangeClosed(1, seeds).boxed().toList(), factory);
  }

  private static String sweepJson(List<Simulation.Result> results) {
    StringBuilder out = new StringBuilder("[\n");
    for (int i = 0; i < results.size(); i++) {
      Simulation.Result r = results.get(i);
      out.append(i == 0 ? "" : ",\n")
          .append("  {\"scenario\": ").append(Report.quote(r.scenario().name()))
          .append(", \"rps\": ").append(Report.json(r.rps()))
          .append(", \"arrivals\": ").append(Report.quote(r.arrivals().toString()))
          .append(", \"seed\": ").append(r.seed())
          .append(", \"breaker\": ").append(Report.quote(r.breaker())).append(",\n")
          .append(Report.metricsJson(r.metrics(), "   ")).append("}");
    }
    return out.append("\n]").toString();
  }
}
