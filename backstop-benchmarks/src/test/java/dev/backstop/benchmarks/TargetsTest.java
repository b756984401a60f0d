package dev.backstop.benchmarks;

import static dev.backstop.benchmarks.JmhJson.both;
import static org.assertj.core.api.Assertions.assertThat;

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
            new Check(
                "BackstopBenchmarks.healthy, 2 threads ≤ 1.5 × 1 thread", "not measured", false),
            new Check("shed ≤ healthy and 0 B/op, 1 thread", "not measured", false),
            new Check("shed ≤ healthy and 0 B/op, 2 threads", "not measured", false),
            new Check("every Backstop benchmark 0 B/op (< 0.5)", "at most 0.000 B/op", true));
  }
}
