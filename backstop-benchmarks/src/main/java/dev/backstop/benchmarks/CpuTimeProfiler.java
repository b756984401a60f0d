package dev.backstop.benchmarks;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.profile.InternalProfiler;
import org.openjdk.jmh.results.AggregationPolicy;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.ScalarResult;

/**
 * A JMH profiler ({@code -prof dev.backstop.benchmarks.CpuTimeProfiler}) that reports the CPU time
 * the benchmark threads spent per operation ({@code cpu.time.norm}, ns/op) and the share of the
 * iteration's wall time they were on a CPU ({@code cpu.share}, 1 when every thread ran all the
 * time).
 *
 * <p>On a machine shared with other work, average time per operation counts the time a benchmark
 * thread waited for a CPU; CPU time per operation does not, so it stays comparable between runs at
 * different loads. It is not a substitute for a quiet machine: cache pollution by other processes
 * still shows, and two benchmark threads that rarely run at the same time contend less than they
 * would on a quiet machine.
 *
 * <p>Not thread-safe: JMH calls it from the thread that runs the iterations.
 */
public final class CpuTimeProfiler implements InternalProfiler {

  private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
  private Map<Long, Long> before = Map.of();
  private long startNanos;

  /** Creates the profiler; JMH calls it. */
  public CpuTimeProfiler() {}

  @Override
  public String getDescription() {
    return "CPU time of the benchmark threads per operation, and their share of wall time";
  }

  @Override
  public void beforeIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams) {
    before = workerCpuTimes();
    startNanos = System.nanoTime();
  }

  @Override
  @SuppressWarnings("rawtypes") // JMH's InternalProfiler declares the raw Result type
  public List<? extends Result> afterIteration(
      BenchmarkParams benchmarkParams, IterationParams iterationParams, IterationResult result) {
    long wall = System.nanoTime() - startNanos;
    long cpu = 0;
    for (Map.Entry<Long, Long> e : workerCpuTimes().entrySet()) {
      cpu += e.getValue() - before.getOrDefault(e.getKey(), 0L);
    }
    long ops = result.getMetadata().getAllOps();
    int workers = benchmarkParams.getThreads();
    return List.of(
        new ScalarResult(
            "cpu.time.norm", ops == 0 ? Double.NaN : (double) cpu / ops, "ns/op",
            AggregationPolicy.AVG),
        new ScalarResult(
            "cpu.share", (double) cpu / ((double) wall * workers), "share",
            AggregationPolicy.AVG));
  }

  /** CPU time so far of each live JMH worker thread, by thread id. */
  private Map<Long, Long> workerCpuTimes() {
    Map<Long, Long> times = new HashMap<>();
    for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
      if (info != null && info.getThreadName().contains("jmh-worker")) {
        long t = threads.getThreadCpuTime(info.getThreadId());
        if (t >= 0) {
          times.put(info.getThreadId(), t);
        }
      }
    }
    return times;
  }
}
