package dev.backstop.benchmarks;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The results of one JMH JSON file ({@code -rf json}), read once with Jackson: the JVM and the
 * run's settings (from its first result, as JMH writes them into every result), and one {@link
 * Result} per benchmark.
 *
 * @param jdk the JVM that ran the benchmarks, e.g. {@code 17.0.15 (OpenJDK 64-Bit Server VM
 *     17.0.15+6)}; empty if the file has no result
 * @param settings forks, warmup and measurement, e.g. {@code 1 fork, warmup 3 × 1 s, measurement 5
 *     × 1 s}; empty if the file has no result
 * @param results the benchmarks, in the file's order
 */
record JmhResults(String jdk, String settings, List<Result> results) {

  private static final ObjectMapper MAPPER = new ObjectMapper();

  /**
   * One benchmark at one thread count.
   *
   * @param name the benchmark's class simple name and method, e.g. {@code Baselines.nanoTime}
   * @param threads the number of benchmark threads
   * @param score the average time, in {@code unit}
   * @param error the half-width of JMH's 99.9 % confidence interval, or NaN if unknown
   * @param unit the score's unit, e.g. {@code ns/op}
   * @param bytes {@code gc.alloc.rate.norm} in B/op, or NaN if not profiled
   * @param cpu {@link CpuTimeProfiler}'s {@code cpu.time.norm} in ns/op, or NaN if not profiled
   * @param share {@link CpuTimeProfiler}'s {@code cpu.share}, or NaN if not profiled
   */
  record Result(
      String name,
      int threads,
      double score,
      double error,
      String unit,
      double bytes,
      double cpu,
      double share) {

    /** This result with CPU time per operation as its score, or empty if not profiled. */
    Optional<Result> onCpu() {
      return Double.isNaN(cpu)
          ? Optional.empty()
          : Optional.of(new Result(name, threads, cpu, Double.NaN, "ns/op", bytes, cpu, share));
    }
  }

  /** Reads a JMH JSON result file. */
  static JmhResults read(Path file) throws IOException {
    return parse(Files.readString(file));
  }

  /**
   * Reads the text of a JMH JSON result file.
   *
   * @throws IllegalArgumentException if it is not a JSON array of results
   */
  static JmhResults parse(String json) throws IOException {
    JsonNode root = MAPPER.readTree(json);
    if (root == null || !root.isArray()) {
      throw new IllegalArgumentException(
          "JMH results must be a JSON array, was " + (root == null ? "empty" : root));
    }
    Run[] runs = MAPPER.treeToValue(root, Run[].class);
    List<Result> results = new ArrayList<>(runs.length);
    for (Run run : runs) {
      results.add(run.result());
    }
    if (runs.length == 0) {
      return new JmhResults("", "", results);
    }
    Run first = runs[0];
    return new JmhResults(
        first.jdkVersion() + " (" + first.vmName() + " " + first.vmVersion() + ")",
        String.format(
            Locale.ROOT,
            "%d fork, warmup %d × %s, measurement %d × %s",
            first.forks(),
            first.warmupIterations(),
            first.warmupTime(),
            first.measurementIterations(),
            first.measurementTime()),
        results);
  }

  /** One element of JMH's JSON array, trimmed to what the report reads. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  private record Run(
      String benchmark,
      int threads,
      int forks,
      String jdkVersion,
      String vmName,
      String vmVersion,
      int warmupIterations,
      String warmupTime,
      int measurementIterations,
      String measurementTime,
      Metric primaryMetric,
      Map<String, Metric> secondaryMetrics) {

    Result result() {
      String[] parts = benchmark.split("\\.");
      String name =
          parts.length < 2 ? benchmark : parts[parts.length - 2] + "." + parts[parts.length - 1];
      Map<String, Metric> secondary = secondaryMetrics == null ? Map.of() : secondaryMetrics;
      return new Result(
          name,
          threads,
          primaryMetric.score(),
          primaryMetric.scoreError(),
          primaryMetric.scoreUnit(),
          score(secondary, "gc.alloc.rate.norm"),
          score(secondary, "cpu.time.norm"),
          score(secondary, "cpu.share"));
    }

    /** The score of the secondary metric whose name ends with {@code suffix}, or NaN. */
    private static double score(Map<String, Metric> secondary, String suffix) {
      for (Map.Entry<String, Metric> e : secondary.entrySet()) {
        if (e.getKey().endsWith(suffix)) {
          return e.getValue().score();
        }
      }
      return Double.NaN;
    }
  }

  /** A JMH metric; JMH writes {@code "NaN"}, a string, for an unknown error, read as NaN. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  private record Metric(double score, double scoreError, String scoreUnit) {}
}
