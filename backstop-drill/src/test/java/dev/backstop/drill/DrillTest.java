package dev.backstop.drill;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import dev.backstop.SreBreaker;
import picocli.CommandLine;

/** The command line, end to end in process. */
class DrillTest {

  @TempDir Path dir;

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int drill(String... args) {
    CommandLine cl = Drill.commandLine();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    return cl.execute(args);
  }

  @Test
  void simulatePrintsThePhasesAndWritesTheChart() throws IOException {
    Path png = dir.resolve("outage.png");
    assertThat(drill("simulate", "--original", "--rps", "200", "--out", png.toString())).isZero();
    String text = out.toString();
    assertThat(text)
        .startsWith("scenario outage, 200 rps even arrivals, SreBreaker(success 0.6, request 100,")
        .containsPattern("(?m)^healthy +healthy +0-10 s +2000 +2000 +0 +0 +0.0 %$")
        .containsPattern("(?m)^dead +dead +10-20 s +2000 ")
        .containsPattern("(?m)^healed +healthy +20-80 s +12000 ")
        .containsPattern("(?m)^all +16000 ")
        .containsPattern("leak \\d+\\.\\d %   recovery \\d+\\.\\d s   false rejections 0.0 %");
    byte[] bytes = Files.readAllBytes(png);
    assertThat(bytes.length).isGreaterThan(10_000);
    assertThat(new String(bytes, 1, 3, java.nio.charset.StandardCharsets.US_ASCII))
        .isEqualTo("PNG");
    assertThat(err.toString()).contains("chart: " + png);
  }

  @Test
  void simulateWritesSvgAndJson() throws IOException {
    Path svg = dir.resolve("flaky.svg");
    assertThat(drill("simulate", "--scenario", "flaky", "--fail", "0.2", "--rps", "100",
        "--arrivals", "poisson", "--seed", "5", "--json", "--out", svg.toString())).isZero();
    assertThat(out.toString())
        .startsWith(
            "{\n  \"scenario\": \"flaky\",\n  \"rps\": 100,\n"
                + "  \"arrivals\": \"poisson(seed 5)\",")
        .contains("\"leak\": null", "\"falseRejections\": null", "\"slotMillis\": 100")
        .contains("{\"name\": \"flaky\", \"backend\": \"flaky 20.0 %\", \"startSeconds\": 0,"
            + " \"endSeconds\": 60, ");
    assertThat(Files.readString(svg)).contains("<svg").hasSizeGreaterThan(10_000);
  }

  @Test
  void sweepPrintsOneRowPerScenarioAndRate() {
    assertThat(drill("simulate", "--sweep", "--original", "--arrivals", "even", "--seeds", "1"))
        .isZero();
    String[] lines = out.toString().split("\n");
    assertThat(lines[0]).startsWith("| scenario | rps | leak | recovery |");
    assertThat(lines).filteredOn(l -> l.startsWith("| ") && !l.startsWith("| scenario"))
        .extracting(l -> l.split(" \\| ")[0] + " " + l.split(" \\| ")[1])
        .hasSize(Sweep.cases().size())
        .startsWith("| outage 2", "| outage 10", "| outage 50", "| outage 500", "| outage 5000")
        .endsWith("| healthy 50", "| healthy 500", "| healthy 5000");
    assertThat(out.toString())
        .contains("probe 0 s, forgive false); worst of even arrivals, seeds 1-1");
  }

  @Test
  void everyScenarioRunsFromTheCommandLine() {
    for (String scenario : SimulateCommand.ScenarioNames.NAMES) {
      out.getBuffer().setLength(0);
      assertThat(drill("simulate", "--scenario", scenario, "--rps", "20", "--clients", "2",
          "--out", dir.resolve(scenario + ".svg").toString())).as(scenario).isZero();
      assertThat(out.toString()).as(scenario).contains("scenario ").contains("20 rps");
    }
    assertThat(drill("simulate", "--scenario", "meltdown")).isEqualTo(2);
    assertThat(err.toString()).contains("scenario must be one of outage, slow-outage, flapping,"
        + " partial-outage, ramp, overload, quota, flaky, healthy, was 'meltdown'");
  }

  @Test
  void everyCommandHasHelp() {
    assertThat(drill("--help")).isZero();
    assertThat(out.toString()).contains("Usage: drill", "simulate", "live",
        "Without a command, runs 'live' with its defaults.");
    assertThat(drill("live", "--help")).isZero();
    assertThat(out.toString()).contains("Usage: drill live", "--rps=RATE", "--duration=DURATION",
        "--original", "--[no-]forgive", "--out=FILE");
    assertThat(drill("simulate", "--help")).isZero();
    assertThat(out.toString()).contains("--scenario=NAME", "--recent=N", "--probe=DURATION",
        "--[no-]forgive", "--original", "--sweep");
    // The defaults in the help are the builder's own.
    SreBreaker.Settings d = SreBreaker.builder().settings();
    assertThat(d.recent()).isEqualTo(7);
    assertThat(out.toString().replaceAll("\\s+", " "))
        .contains("(default 0.6)", "(default 100)", "(default 3s)", "(default 10)",
            "(default 7, original 0)", "(default 1.5s, original 0)",
            "(default on, original off)");
  }

  @Test
  void badValuesAreReportedWithTheirName() {
    assertThat(drill("simulate", "--success", "1.5")).isEqualTo(2);
    assertThat(err.toString()).contains("success must be in [0.01, 1], was 1.5");
    assertThat(drill("simulate", "--window", "3 parsecs")).isEqualTo(2);
    assertThat(err.toString()).contains("duration must look like 3s, 250ms or 0, was '3 parsecs'");
    assertThat(drill("simulate", "--out", dir.resolve("x.gif").toString())).isEqualTo(2);
    assertThat(err.toString()).contains("out must end in .png or .svg, was ");
    assertThat(drill("live", "--duration", "250ms")).isEqualTo(2);
    assertThat(err.toString())
        .contains("duration must be a multiple of 100 ms in [300 ms, 1 h], was PT0.25S");
  }
}
