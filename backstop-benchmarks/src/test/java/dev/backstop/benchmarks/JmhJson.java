package dev.backstop.benchmarks;

import dev.backstop.benchmarks.JmhResults.Result;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Two small JMH result files, at 1 and 2 threads, shared by the report's tests. */
final class JmhJson {

  private JmhJson() {}

  /** One result in JMH's JSON layout, trimmed to the fields JMH always writes and Report reads. */
  static String run(String benchmark, int threads, String score, String error, String bytes) {
    return run(benchmark, threads, score, error, bytes, null);
  }

  /** As above, with {@code CpuTimeProfiler}'s metrics: CPU ns/op, and an on-CPU share of 0.5. */
  static String run(
      String benchmark, int threads, String score, String error, String bytes, String cpu) {
    String cpuMetrics =
        cpu == null
            ? ""
            : ", \"cpu.time.norm\": {\"score\": "
                + cpu
                + ", \"scoreUnit\": \"ns/op\"},"
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
            + " \"forks\": 1, \"jdkVersion\": \"17.0.15\", \"vmName\": \"OpenJDK 64-Bit Server"
            + " VM\", \"vmVersion\": \"17.0.15+6\", \"warmupIterations\": 3, \"warmupTime\": \"1"
            + " s\", \"measurementIterations\": 5, \"measurementTime\": \"1 s\", \"primaryMetric\":"
            + " {\"score\": %s, \"scoreError\": %s, \"scoreConfidence\": [1, 2], \"scoreUnit\":"
            + " \"ns/op\", \"rawData\": [[1.0, 2.0]]}%s}",
        benchmark,
        threads,
        score,
        error,
        gc);
  }

  static final String P = "dev.backstop.benchmarks.";

  /** A one-thread file: healthy meets 1.3 × (17 + 8) = 32.5 with 30. */
  static final String ONE =
      "[\n"
          + String.join(
              ",\n",
              run(P + "Baselines.empty", 1, "0.5", "0.01", "0.0001"),
              run(P + "Baselines.longAdder", 1, "8.0", "0.2", "0.001", "4.0"),
              run(P + "Baselines.nanoTime", 1, "17.0", "\"NaN\"", "0.002", "8.0"),
              run(P + "BackstopBenchmarks.healthy", 1, "30.0", "1.25", "0.004", "16.0"),
              run(P + "BackstopBenchmarks.shed", 1, "12.0", "0.5", "0.003", "6.0"),
              run(
                  "io.grpc.rls.GrpcAdaptiveThrottler.grpcAdaptiveThrottler",
                  1,
                  "120.0",
                  "3",
                  "40.25"))
          + "\n]\n";

  /** A two-thread file: healthy 50 > 1.5 × 30; shed 60 > healthy 50 and allocates. */
  static final String TWO =
      "[\n"
          + String.join(
              ",\n",
              run(P + "Baselines.longAdder", 2, "10.0", "0.2", "0.001"),
              run(P + "Baselines.nanoTime", 2, "20.0", "0.3", "0.002"),
              run(P + "BackstopBenchmarks.healthy", 2, "50.0", "2.0", "0.004"),
              run(P + "BackstopBenchmarks.shed", 2, "60.0", "2.0", "16.0"),
              run(P + "Custom.extra", 2, "5.0", "0.1", null))
          + "\n]\n";

  static List<Result> both() throws IOException {
    List<Result> all = new ArrayList<>(JmhResults.parse(ONE).results());
    all.addAll(JmhResults.parse(TWO).results());
    return all;
  }
}
