package dev.backstop.benchmarks;

import static dev.backstop.benchmarks.JmhJson.both;
import static org.assertj.core.api.Assertions.assertThat;

import dev.backstop.benchmarks.Histogram.Count;
import dev.backstop.benchmarks.IntegrationAllocations.Census;
import dev.backstop.benchmarks.IntegrationAllocations.Site;
import dev.backstop.benchmarks.JmhResults.Result;
import dev.backstop.benchmarks.Targets.Check;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

class TargetsTest {

  @Test
  void checksEachTargetWithItsFigures() throws IOException {
    assertThat(Targets.check(both()))
        .containsExactly(
            new Check(
                "healthy, 1 thread ≤ 1.3 × (nanoTime + LongAdder)",
                "30.0 ≤ 1.3 × (17.0 + 8.0) = 32.5",
                true),
            new Check("healthy ≤ 3 × LongAdder, 1 thread", "30.0 ≤ 3 × 8.0 = 24.0", false),
            new Check("healthy ≤ 3 × LongAdder, 2 threads", "50.0 ≤ 3 × 10.0 = 30.0", false),
            new Check("healthy < Failsafe's default, 1 thread", "not measured", false),
            new Check("Backstop.call ≤ healthy + 10 ns, 1 thread", "not measured", false),
            new Check("Backstop.call ≤ healthy + 10 ns, 2 threads", "not measured", false),
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

    assertThat(Targets.check(onlyHealthy))
        .containsExactly(
            new Check("healthy, 1 thread ≤ 1.3 × (nanoTime + LongAdder)", "not measured", false),
            new Check("healthy ≤ 3 × LongAdder, 1 thread", "not measured", false),
            new Check("healthy ≤ 3 × LongAdder, 2 threads", "not measured", false),
            new Check("healthy < Failsafe's default, 1 thread", "not measured", false),
            new Check("Backstop.call ≤ healthy + 10 ns, 1 thread", "not measured", false),
            new Check("Backstop.call ≤ healthy + 10 ns, 2 threads", "not measured", false),
            new Check(
                "BackstopBenchmarks.healthy, 2 threads ≤ 1.5 × 1 thread", "not measured", false),
            new Check("shed ≤ healthy and 0 B/op, 1 thread", "not measured", false),
            new Check("shed ≤ healthy and 0 B/op, 2 threads", "not measured", false),
            new Check("every Backstop benchmark 0 B/op (< 0.5)", "at most 0.000 B/op", true));
  }

  @Test
  void checksWhatEachIntegrationAddsWhenTheRunMeasuredIntegrations() {
    List<Result> results =
        List.of(
            result("Integrations.grpcPlain", 8000),
            result("Integrations.grpcGuarded", 8300),
            result("Integrations.httpClientPlain", 60000),
            result("Integrations.httpClientGuarded", 64000));
    List<Census> censuses =
        List.of(
            census(Integrations.GRPC, 2.0),
            census(Integrations.JDK_HTTP, 1.0),
            census(Integrations.OKHTTP, 0.01));

    assertThat(Targets.check(results, censuses))
        .filteredOn(c -> c.target().contains(": "))
        .containsExactly(
            new Check(
                "gRPC in-process unary: guarded call ≤ 1.05 × plain call, 1 thread",
                "8300 ≤ 1.05 × 8000 = 8400 ns (+3.8 %)",
                true),
            new Check(
                "gRPC in-process unary: Backstop's code allocates ≤ 1 object per call",
                "2.00 per call (Thing 2.00)",
                false),
            new Check(
                "JDK HttpClient GET, HTTP/1.1 loopback: guarded call ≤ 1.05 × plain call, 1 thread",
                "64000 ≤ 1.05 × 60000 = 63000 ns (+6.7 %)",
                false),
            new Check(
                "JDK HttpClient GET, HTTP/1.1 loopback: Backstop's code allocates ≤ 1 object per"
                    + " call",
                "1.00 per call (Thing 1.00)",
                true),
            new Check(
                "OkHttp GET, HTTP/1.1 loopback: guarded call ≤ 1.05 × plain call, 1 thread",
                "not measured",
                false),
            new Check(
                "OkHttp GET, HTTP/1.1 loopback: Backstop's code allocates ≤ 1 object per call",
                "0.00 per call, 0.01 more at rarer sites",
                true));
  }

  @Test
  void aRunWithoutIntegrationsHasNoIntegrationTargets() throws IOException {
    assertThat(Targets.check(both())).noneMatch(c -> c.target().contains("guarded call"));
  }

  private static Result result(String name, double score) {
    return new Result(name, 1, score, 1, "ns/op", 30000, Double.NaN, Double.NaN);
  }

  private static Census census(String client, double objects) {
    return new Census(
        client,
        100,
        new Count("plain", 100, 1000),
        new Count("guarded", 100 + objects, 1000 + 16 * objects),
        List.of(),
        List.of(new Site("a.Thing <- A.b:1", objects)));
  }
}
