package dev.backstop.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.backstop.benchmarks.Report.Check;
import dev.backstop.benchmarks.Report.Machine;
import dev.backstop.benchmarks.Report.Result;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportTest {

  /** One result in JMH's JSON layout, trimmed to the fields JMH always writes and Report reads. */
  private static String run(String benchmark, int threads, String score, String error, String bytes) {
    return run(benchmark, threads, score, error, bytes, null);
  }

  /** As above, with {@code CpuTimeProfiler}'s metrics: CPU ns/op, and an on-CPU share of 0.5. */
  private static String run(
      String benchmark, int threads, String score, String error, String bytes, String cpu) {
    String cpuMetrics =
        cpu == null
            ? ""
            : ", \"cpu.time.norm\": {\"score\": " + cpu + ", \"scoreUnit\": \"ns/op\"},"
                + " \"cpu.share\": {\"score\": 0.5, \"scoreUnit\": \"share\"}";
    String gc =
        bytes == null
            ? ""
            : ", \"secondaryMetrics\": {\"gc.alloc.rate\": {\"score\": 1.5, \"scoreUnit\":"
                + " \"MB/sec\"}, \"gc.alloc.rate.norm\": {\"score\": "
                + bytes
                + ", \"scoreError\": \"NaN\", \"scoreUnit\": \"B/op\"}"
                + cpuMetrics
                + "}";
    return String.format(
        Locale.ROOT,
        "{\"jmhVersion\": \"1.37\", \"benchmark\": \"%s\", \"mode\": \"avgt\", \"threads\": %d,"
            + " \"forks\": 1, \"jdkVersion\": \"17.0.15\", \"vmName\": \"OpenJDK 64-Bit Server VM\","
            + " \"vmVersion\": \"17.0.15+6\", \"warmupIterations\": 3, \"warmupTime\": \"1 s\","
            + " \"measurementIterations\": 5, \"measurementTime\": \"1 s\","
            + " \"primaryMetric\": {\"score\": %s, \"scoreError\": %s, \"scoreConfidence\": [1, 2],"
            + " \"scoreUnit\": \"ns/op\", \"rawData\": [[1.0, 2.0]]}%s}",
        benchmark,
        threads,
        score,
        error,
        gc);
  }

  private static final String P = "dev.backstop.benchmarks.";

  /** A one-thread file: healthy meets 1.3 × (17 + 8) = 32.5 with 30. */
  private static final String ONE =
      "[\n"
          + String.join(
              ",\n",
              run(P + "Baselines.empty", 1, "0.5", "0.01", "0.0001"),
              run(P + "Baselines.longAdder", 1, "8.0", "0.2", "0.001", "4.0"),
              run(P + "Baselines.nanoTime", 1, "17.0", "\"NaN\"", "0.002", "8.0"),
              run(P + "BackstopBenchmarks.healthy", 1, "30.0", "1.25", "0.004", "16.0"),
              run(P + "BackstopBenchmarks.shed", 1, "12.0", "0.5", "0.003", "6.0"),
              run("io.grpc.rls.GrpcAdaptiveThrottler.grpcAdaptiveThrottler", 1, "120.0", "3", "40.25"))
          + "\n]\n";

  /** A two-thread file: healthy 50 > 1.5 × 30; shed 60 > healthy 50 and allocates. */
  private static final String TWO =
      "[\n"
          + String.join(
              ",\n",
              run(P + "Baselines.longAdder", 2, "10.0", "0.2", "0.001"),
              run(P + "Baselines.nanoTime", 2, "20.0", "0.3", "0.002"),
              run(P + "BackstopBenchmarks.healthy", 2, "50.0", "2.0", "0.004"),
              run(P + "BackstopBenchmarks.shed", 2, "60.0", "2.0", "16.0"),
              run(P + "Custom.extra", 2, "5.0", "0.1", null))
          + "\n]\n";

  private static List<Result> both() {
    List<Result> all = new ArrayList<>(Report.parse(ONE));
    all.addAll(Report.parse(TWO));
    return all;
  }

  @Test
  void parsesNamesThreadsScoresErrorsAndAllocation() {
    List<Result> results = Report.parse(ONE);

    assertThat(results).hasSize(6);
    assertThat(results.get(3))
        .isEqualTo(
            new Result("BackstopBenchmarks.healthy", 1, 30.0, 1.25, "ns/op", 0.004, 16.0, 0.5));
    assertThat(results.get(2).error()).isNaN();
    assertThat(results.get(0).cpu()).isNaN();
    assertThat(results.get(0).share()).isNaN();
    assertThat(results.get(5).name()).isEqualTo("GrpcAdaptiveThrottler.grpcAdaptiveThrottler");
    assertThat(Report.parse(TWO).get(4).bytes()).isNaN();
  }

  @Test
  void readsJdkAndSettingsFromTheFirstResult() {
    assertThat(Report.jdk(ONE)).isEqualTo("17.0.15 (OpenJDK 64-Bit Server VM 17.0.15+6)");
    assertThat(Report.settings(ONE))
        .isEqualTo("1 fork, warmup 3 × 1 s, measurement 5 × 1 s");
  }

  @Test
  void tableRowsHaveTimesRatiosToTheSameThreadCountsBaselinesAndBytes() {
    String table = Report.table(both(), false);

    assertThat(table.lines().toList())
        .containsExactly(
            "| benchmark | what | 1 thread ns/op | ×LongAdder | ×nanoTime | 2 threads ns/op"
                + " | ×LongAdder | ×nanoTime | 2 t / 1 t | B/op 1 t | B/op 2 t |",
            "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
            "| Baselines.empty | empty method (the harness alone) | 0.5 ± 0.0 | 0.06 | 0.03"
                + " | — | — | — | — | 0.0 | — |",
            "| Baselines.longAdder | `LongAdder.increment()` | 8.0 ± 0.2 | 1.00 | 0.47"
                + " | 10.0 ± 0.2 | 1.00 | 0.50 | 1.25 | 0.0 | 0.0 |",
            "| Baselines.nanoTime | `System.nanoTime()` | 17.0 | 2.13 | 1.00"
                + " | 20.0 ± 0.3 | 2.00 | 1.00 | 1.18 | 0.0 | 0.0 |",
            "| BackstopBenchmarks.healthy | SreBreaker allow + markSuccess, defaults (healthy path)"
                + " | 30.0 ± 1.3 | 3.75 | 1.76 | 50.0 ± 2.0 | 5.00 | 2.50 | 1.67 | 0.0 | 0.0 |",
            "| BackstopBenchmarks.shed | SreBreaker rejecting: allow throws, markRejected (shed"
                + " path) | 12.0 ± 0.5 | 1.50 | 0.71 | 60.0 ± 2.0 | 6.00 | 3.00 | 5.00 | 0.0 | 16.0 |",
            "| GrpcAdaptiveThrottler.grpcAdaptiveThrottler | gRPC-java `AdaptiveThrottler`"
                + " (grpc-rls 1.85.1), defaults | 120.0 ± 3.0 | 15.00 | 7.06 | — | — | — | — | 40.3"
                + " | — |",
            "| Custom.extra |  | — | — | — | 5.0 ± 0.1 | 0.50 | 0.25 | — | — | — |");
  }

  @Test
  void checksEachTargetWithItsFigures() {
    assertThat(Report.checks(both()))
        .containsExactly(
            new Check(
                "healthy, 1 thread ≤ 1.3 × (nanoTime + LongAdder)",
                "30.0 ≤ 1.3 × (17.0 + 8.0) = 32.5",
                true),
            new Check(
                "BackstopBenchmarks.healthy, 2 threads ≤ 1.5 × 1 thread",
                "50.0 ≤ 1.5 × 30.0 = 45.0",
                false),
            new Check(
                "BackstopBenchmarks.shed, 2 threads ≤ 1.5 × 1 thread",
                "60.0 ≤ 1.5 × 12.0 = 18.0",
                false),
            new Check("shed ≤ healthy and 0 B/op, 1 thread", "12.0 ≤ 30.0, 0.0 B/op", true),
            new Check("shed ≤ healthy and 0 B/op, 2 threads", "60.0 ≤ 50.0, 16.0 B/op", false),
            new Check(
                "every Backstop benchmark 0 B/op (< 0.5)",
                "BackstopBenchmarks.shed at 2 t: 16.0",
                false));
  }

  @Test
  void aTargetWithoutItsInputsIsNotMet() {
    List<Result> onlyHealthy =
        List.of(new Result("BackstopBenchmarks.healthy", 1, 20, 1, "ns/op", 0, Double.NaN, 0));

    assertThat(Report.checks(onlyHealthy))
        .containsExactly(
            new Check("healthy, 1 thread ≤ 1.3 × (nanoTime + LongAdder)", "not measured", false),
            new Check(
                "BackstopBenchmarks.healthy, 2 threads ≤ 1.5 × 1 thread", "not measured", false),
            new Check("shed ≤ healthy and 0 B/op, 1 thread", "not measured", false),
            new Check("shed ≤ healthy and 0 B/op, 2 threads", "not measured", false),
            new Check("every Backstop benchmark 0 B/op (< 0.5)", "at most 0.000 B/op", true));
  }

  @Test
  void rendersHeaderTableAndTargets() {
    String md =
        Report.render(
            both(),
            new Machine("2026-01-02 03:04 UTC", 2, "Some CPU", "shared with other builds"),
            "17.0.15 (VM)",
            "1 fork, warmup 3 × 1 s, measurement 5 × 1 s");

    assertThat(md)
        .startsWith(
            "# Backstop benchmarks\n\n"
                + "- date: 2026-01-02 03:04 UTC\n"
                + "- JDK: 17.0.15 (VM)\n"
                + "- machine: 2 CPUs (`nproc`), Some CPU\n"
                + "- JMH 1.37: 1 fork, warmup 3 × 1 s, measurement 5 × 1 s, `-prof gc`,"
                + " `-prof dev.backstop.benchmarks.CpuTimeProfiler`\n"
                + "- note: shared with other builds\n"
                + "- targets: 2 of 6 met\n\n")
        .contains(Report.table(both(), false))
        .contains(
            "| shed ≤ healthy and 0 B/op, 2 threads | 60.0 ≤ 50.0, 16.0 B/op | **no** |\n"
                + "| every Backstop benchmark 0 B/op (< 0.5) | BackstopBenchmarks.shed at 2 t: 16.0"
                + " | **no** |\n\n## On-CPU time\n\n")
        .contains(
            "| Baselines.nanoTime | `System.nanoTime()` | 8.0 | 2.00 | 1.00 | — | — | — | — | 50 %"
                + " | — |\n")
        .endsWith(
            "| healthy, 1 thread ≤ 1.3 × (nanoTime + LongAdder) | 16.0 ≤ 1.3 × (8.0 + 4.0) = 15.6"
                + " | **no** |\n"
                + "| BackstopBenchmarks.healthy, 2 threads ≤ 1.5 × 1 thread | not measured | **no** |\n"
                + "| BackstopBenchmarks.shed, 2 threads ≤ 1.5 × 1 thread | not measured | **no** |\n"
                + "| shed ≤ healthy and 0 B/op, 1 thread | 6.0 ≤ 16.0, 0.0 B/op | yes |\n"
                + "| shed ≤ healthy and 0 B/op, 2 threads | not measured | **no** |\n"
                + "| every Backstop benchmark 0 B/op (< 0.5) | at most 0.004 B/op | yes |\n");
    assertThat(md).contains("| healthy, 1 thread ≤ 1.3 × (nanoTime + LongAdder) | 30.0 ≤ 1.3 ×"
        + " (17.0 + 8.0) = 32.5 | yes |\n");
  }

  @Test
  void mainWritesTheReportOfSeveralFiles(@TempDir Path dir) throws Exception {
    Path one = Files.writeString(dir.resolve("t1.json"), ONE, StandardCharsets.UTF_8);
    Path two = Files.writeString(dir.resolve("t2.json"), TWO, StandardCharsets.UTF_8);
    Path out = dir.resolve("results.md");

    Report.main(new String[] {"--out", out.toString(), "--note", "n", one.toString(), two.toString()});

    String md = Files.readString(out, StandardCharsets.UTF_8);
    assertThat(md).contains("- note: n\n").contains("- targets: 2 of 6 met\n");
    assertThat(md).contains(Report.table(both(), false));
  }

  @Test
  void jsonReaderHandlesEscapesLiteralsAndReportsWhereItStopped() {
    assertThat(Json.parse(" {\"a\\\"b\\u00b7\": [true, false, null, -1.5e2, \"x\\ny\"]} "))
        .isEqualTo(
            java.util.Map.of(
                "a\"b\u00b7", java.util.Arrays.asList(true, false, null, -150.0, "x\ny")));
    assertThatThrownBy(() -> Json.parse("[1, 2"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("JSON: expected ']' at offset 5");
    assertThatThrownBy(() -> Json.parse("{\"a\": 1} x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("JSON: expected end of input at offset 9");
  }

  @Test
  void rejectsAResultFileThatIsNotAnArray() {
    assertThatThrownBy(() -> Report.parse("{\"benchmark\": \"x\"}"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("results must be a JSON array, was {benchmark=x}");
  }
}
