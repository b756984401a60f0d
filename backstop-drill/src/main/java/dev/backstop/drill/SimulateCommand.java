package dev.backstop.drill;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
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
      "Scenarios: outage (healthy 10 s, dead 10 s, healed 60 s), overload (capacity per second"
          + " for 60 s), flaky (fails a share at random for 60 s), healthy (60 s)."
    })
final class SimulateCommand implements Callable<Integer> {

  enum ScenarioName { outage, overload, flaky, healthy }

  enum ArrivalsName { even, poisson }

  @Spec CommandSpec spec;

  @Option(names = "--scenario", paramLabel = "NAME",
      description = "outage, overload, flaky or healthy (default ${DEFAULT-VALUE}).")
  ScenarioName scenario = ScenarioName.outage;

  @Option(names = "--rps", paramLabel = "RATE",
      description = "Offered requests per second (default ${DEFAULT-VALUE}).")
  double rps = 500;

  @Option(names = "--arrivals", paramLabel = "KIND",
      description = "even or poisson (default ${DEFAULT-VALUE}).")
  ArrivalsName arrivals = ArrivalsName.even;

  @Option(names = "--seed", paramLabel = "N",
      description = "Seed of Poisson arrivals and of the flaky backend (default ${DEFAULT-VALUE}).")
  long seed = 1;

  @Option(names = "--fail", paramLabel = "SHARE",
      description = "flaky: share of requests the backend fails (default ${DEFAULT-VALUE}).")
  double fail = 0.3;

  @Option(names = "--capacity", paramLabel = "RATE",
      description = "overload: requests per second the backend serves (default rps/2).")
  Double capacity;

  @Mixin BreakerOptions breaker = new BreakerOptions();

  @Option(names = "--sweep",
      description = "Run outage, overload, flaky and healthy at 50, 500 and 5000 rps and print one"
          + " Markdown table (--scenario, --rps and --out are ignored).")
  boolean sweep;

  @Option(names = "--json", description = "Print the result as JSON (with the 100 ms series).")
  boolean json;

  @Option(names = "--out", paramLabel = "FILE",
      description = "Chart to write, .png or .svg (default ${DEFAULT-VALUE}).")
  Path out = Path.of("drill.png");

  @Override
  public Integer call() throws IOException {
    PrintWriter stdout = spec.commandLine().getOut();
    try {
      configure(Simulation.builder(Scenario.healthy()));
      if (!sweep) {
        Chart.isPng(out);
      }
      if (sweep) {
        List<Simulation.Result> results = sweep();
        if (json) {
          stdout.println(sweepJson(results));
        } else {
          stdout.print(Sweep.table(results));
          stdout.println();
          stdout.println(results.get(0).breaker() + ", " + results.get(0).arrivals() + " arrivals");
        }
        stdout.flush();
        return 0;
      }
      Scenario s = scenario(scenario, rps);
      Simulation.Result result = configure(Simulation.builder(s)).rps(rps).build().run();
      if (json) {
        stdout.print(Report.json(result));
      } else {
        stdout.print(Report.table(result));
      }
      stdout.flush();
      String title =
          String.format(
              java.util.Locale.ROOT, "%s at %s rps (simulated)", s.name(), Report.number(rps));
      Chart.write(result.timeline(), title, out);
      spec.commandLine().getErr().println("chart: " + out);
      return 0;
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
  }

  Scenario scenario(ScenarioName name, double rate) {
    return switch (name) {
      case outage -> Scenario.outage();
      case overload -> Scenario.overload(capacity != null ? capacity : rate / 2);
      case flaky -> Scenario.flaky(fail);
      case healthy -> Scenario.healthy();
    };
  }

  private Simulation.Builder configure(Simulation.Builder b) {
    return b.arrivals(arrivals == ArrivalsName.poisson ? Arrivals.poisson(seed) : Arrivals.even())
        .seed(seed)
        .breaker(breaker.factory());
  }

  List<Simulation.Result> sweep() {
    return Sweep.run(
        arrivals == ArrivalsName.poisson ? Arrivals.poisson(seed) : Arrivals.even(),
        seed,
        breaker.factory());
  }

  private static String sweepJson(List<Simulation.Result> results) {
    StringBuilder out = new StringBuilder("[\n");
    for (int i = 0; i < results.size(); i++) {
      Simulation.Result r = results.get(i);
      out.append(i == 0 ? "" : ",\n")
          .append("  {\"scenario\": ").append(Report.quote(r.scenario().name()))
          .append(", \"rps\": ").append(Report.json(r.rps()))
          .append(", \"breaker\": ").append(Report.quote(r.breaker())).append(",\n")
          .append(Report.metricsJson(r.metrics(), "   ")).append("}");
    }
    return out.append("\n]").toString();
  }
}
