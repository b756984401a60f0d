package dev.backstop.benchmarks;

import static dev.backstop.benchmarks.JmhJson.ONE;
import static dev.backstop.benchmarks.JmhJson.TWO;
import static dev.backstop.benchmarks.JmhJson.both;
import static org.assertj.core.api.Assertions.assertThat;

import dev.backstop.ClockCost;
import dev.backstop.benchmarks.Histogram.Count;
import dev.backstop.benchmarks.IntegrationAllocations.Census;
import dev.backstop.benchmarks.IntegrationAllocations.Site;
import dev.backstop.benchmarks.JmhResults.Result;
import dev.backstop.benchmarks.Report.Inputs;
import dev.backstop.benchmarks.Report.Machine;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportTest {

  @Test
  void tableRowsHaveTimesRatiosToTheSameThreadCountsBaselinesAndBytes() throws IOException {
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
                + " path) | 12.0 ± 0.5 | 1.50 | 0.71 | 60.0 ± 2.0 | 6.00 | 3.00 | 5.00 | 0.0 | 16.0"
                + " |",
            "| GrpcAdaptiveThrottler.grpcAdaptiveThrottler | gRPC-java `AdaptiveThrottler`"
                + " (grpc-rls 1.85.1), defaults | 120.0 ± 3.0 | 15.00 | 7.06 | — | — | — | — | 40.3"
                + " | — |",
            "| Custom.extra |  | — | — | — | 5.0 ± 0.1 | 0.50 | 0.25 | — | — | — |");
  }

  @Test
  void rendersHeaderTableAndTargets() throws IOException {
    String md =
        Report.render(
            new Inputs(both(), "17.0.15 (VM)", "1 fork, warmup 3 × 1 s, measurement 5 × 1 s"),
            new Machine("2026-01-02 03:04 UTC", 2, "Some CPU", "shared with other builds"));

    assertThat(md)
        .startsWith(
            "# Backstop benchmarks\n\n"
                + "- date: 2026-01-02 03:04 UTC\n"
                + "- JDK: 17.0.15 (VM)\n"
                + "- machine: 2 CPUs (`nproc`), Some CPU\n"
                + "- JMH 1.37: 1 fork, warmup 3 × 1 s, measurement 5 × 1 s, `-prof gc`,"
                + " `-prof dev.backstop.benchmarks.CpuTimeProfiler`\n"
                + "- note: shared with other builds\n"
                + "- targets: 2 of 11 met\n\n")
        .contains(Report.table(both(), false))
        .contains(
            "| shed ≤ healthy and 0 B/op, 2 threads | 60.0 ≤ 50.0, 16.0 B/op | **no** |\n"
                + "| every Backstop benchmark 0 B/op (< 0.5) | BackstopBenchmarks.shed at 2 t: 16.0"
                + " | **no** |\n\n## On-CPU time\n\n")
        .contains(
            "| Baselines.nanoTime | `System.nanoTime()` | 8.0 | 2.00 | 1.00 | — | — | — | — | 50 %"
                + " | — |\n")
        .endsWith(
            "| healthy, 1 thread ≤ 1.3 × (nanoTime + LongAdder) | 16.0 ≤ 1.3 × (8.0 + 4.0) = 15.6 |"
                + " **no** |\n"
                + "| healthy ≤ 3 × LongAdder, 1 thread | 16.0 ≤ 3 × 4.0 = 12.0 | **no** |\n"
                + "| healthy ≤ 3 × LongAdder, 2 threads | not measured | **no** |\n"
                + "| healthy < Failsafe's default, 1 thread | not measured | **no** |\n"
                + "| Backstop.call ≤ healthy + 10 ns, 1 thread | not measured | **no** |\n"
                + "| Backstop.call ≤ healthy + 10 ns, 2 threads | not measured | **no** |\n"
                + "| BackstopBenchmarks.healthy, 2 threads ≤ 1.5 × 1 thread | not measured | **no**"
                + " |\n"
                + "| BackstopBenchmarks.shed, 2 threads ≤ 1.5 × 1 thread | not measured | **no**"
                + " |\n"
                + "| shed ≤ healthy and 0 B/op, 1 thread | 6.0 ≤ 16.0, 0.0 B/op | yes |\n"
                + "| shed ≤ healthy and 0 B/op, 2 threads | not measured | **no** |\n"
                + "| every Backstop benchmark 0 B/op (< 0.5) | at most 0.004 B/op | yes |\n");
    assertThat(md)
        .contains(
            "| healthy, 1 thread ≤ 1.3 × (nanoTime + LongAdder) | 30.0 ≤ 1.3 ×"
                + " (17.0 + 8.0) = 32.5 | yes |\n");
  }

  @Test
  void mainWritesTheReportOfSeveralFiles(@TempDir Path dir) throws Exception {
    Path one = Files.writeString(dir.resolve("t1.json"), ONE, StandardCharsets.UTF_8);
    Path two = Files.writeString(dir.resolve("t2.json"), TWO, StandardCharsets.UTF_8);
    Path out = dir.resolve("results.md");

    Report.main(
        new String[] {"--out", out.toString(), "--note", "n", one.toString(), two.toString()});

    String md = Files.readString(out, StandardCharsets.UTF_8);
    assertThat(md).contains("- note: n\n").contains("- targets: 2 of 11 met\n");
    assertThat(md).contains(Report.table(both(), false));
  }

  @Test
  void rendersTheIntegrationsAndTheMemorySections() throws IOException {
    List<Result> results = new ArrayList<>(both());
    results.add(new Result("Integrations.grpcPlain", 1, 8000, 100, "ns/op", 3000, 7000, 1));
    results.add(new Result("Integrations.grpcGuarded", 1, 8399, 120, "ns/op", 3064, 7300, 1));
    Census grpc =
        new Census(
            Integrations.GRPC,
            2000,
            new Count("plain", 101, 3000),
            new Count("guarded", 103, 3064),
            List.of(new Count("dev.backstop.grpc.GuardedCall", 1, 40)),
            List.of(
                new Site("dev.backstop.grpc.GuardedCall <- I.interceptCall:1", 1),
                new Site("[J <- SreBreaker$Frame.advance:484", 0.004)));
    OperationMemory.Measurement memory =
        new OperationMemory.Measurement(
            100_000,
            List.of(
                new OperationMemory.Held(
                    "one call each", 300, List.of(new Count("dev.backstop.SreBreaker", 1, 144))),
                new OperationMemory.Held(
                    "two threads",
                    800,
                    List.of(
                        new Count("java.util.concurrent.atomic.Striped64$Cell", 1.5, 420),
                        new Count("dev.backstop.SreBreaker", 1, 144)))));

    String md =
        Report.render(
            new Inputs(
                results,
                "17",
                "1 fork",
                List.of(grpc),
                memory,
                new ClockCost.Measurement(10.0, 500_000, 16_000, 250_000_000)),
            new Machine("2026-01-02 03:04 UTC", 2, "Some CPU", ""));

    assertThat(md)
        .contains("- targets: 4 of 17 met\n")
        .contains(
            "\n## The clock thread\n\nA breaker busy enough to gain by it reads, instead of the"
                + " system clock, a field that one daemon thread per JVM (`backstop-clock`) updates"
                + " every 500 µs while a breaker reads it (`ClockCost`: the clock kept in use for"
                + " 10 s): it ticked every 625 µs on average and used 2.50 % of one CPU, 15.6 µs of"
                + " CPU per tick. `-Ddev.backstop.clockThread=false` turns it off.\n")
        .doesNotContain("| Integrations.grpcPlain |")
        .contains(
            "| gRPC in-process unary | 8000.0 ± 100.0 | 8399.0 ± 120.0 | +399 | +5.0 % | 3000.0"
                + " | 3064.0 | +64.0 | 1.00 |\n"
                + "| JDK HttpClient GET, HTTP/1.1 loopback | — | — | — | — | — | — | — | — |\n")
        .contains(
            "- gRPC in-process unary: 1.00 `dev.backstop.grpc.GuardedCall <- I.interceptCall:1`;"
                + " 0.004 at rarer sites (a new window frame every bucket)\n")
        .contains(
            "- gRPC in-process unary (plain 101.0, guarded 103.0 objects per call): +1.00"
                + " `dev.backstop.grpc.GuardedCall`\n")
        .contains(
            "| class | what it is | after one call each: objects | B | after two threads: objects"
                + " | B |\n|---|---|--:|--:|--:|--:|\n"
                + "| `dev.backstop.SreBreaker` | the breaker | 1.00 | 144.0 | 1.00 | 144.0 |\n"
                + "| `java.util.concurrent.atomic.Striped64$Cell` | `LongAdder` cells, made on"
                + " contention, each padded against false sharing (`@Contended`) | — | — | 1.50 |"
                + " 420.0 |\n"
                + "| **total** |  | | **300** | | **800** |\n");
  }
}
