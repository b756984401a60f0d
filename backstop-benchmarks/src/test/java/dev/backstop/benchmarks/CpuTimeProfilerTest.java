package dev.backstop.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Collection;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

class CpuTimeProfilerTest {

  @Test
  void reportsCpuTimePerOperationAndTheShareOfWallTimeOnACpu() throws Exception {
    Options options =
        new OptionsBuilder()
            .include(Baselines.class.getName() + ".longAdder$")
            .forks(0)
            .warmupIterations(0)
            .measurementIterations(1)
            .measurementTime(TimeValue.milliseconds(300))
            .threads(1)
            .addProfiler(CpuTimeProfiler.class)
            .shouldDoGC(false)
            .build();

    Collection<RunResult> runs = new Runner(options).run();

    assertThat(runs).hasSize(1);
    RunResult run = runs.iterator().next();
    double wall = run.getPrimaryResult().getScore();
    Result<?> cpu = run.getSecondaryResults().get("cpu.time.norm");
    Result<?> share = run.getSecondaryResults().get("cpu.share");
    assertThat(cpu.getScoreUnit()).isEqualTo("ns/op");
    // One busy thread: on a CPU for at most all of the time, at most the wall time per operation.
    assertThat(cpu.getScore()).isPositive().isLessThanOrEqualTo(wall * 1.1);
    assertThat(share.getScore()).isPositive().isLessThanOrEqualTo(1.1);
  }
}
