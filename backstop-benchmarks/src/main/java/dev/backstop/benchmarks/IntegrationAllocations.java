package dev.backstop.benchmarks;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.sun.management.HotSpotDiagnosticMXBean;
import dev.backstop.benchmarks.Histogram.Count;
import dev.backstop.benchmarks.Integrations.Loopback;
import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;

/**
 * Counts, class by class, the objects each integration allocates per call beyond what its client
 * allocates on its own: the census behind the "allocations" column of the report, which JMH's
 * {@code -prof gc} cannot give (it measures bytes, and the noise of a loopback call's tens of
 * kilobytes hides one small object).
 *
 * <p>For each {@link Integrations} client: warm both paths up until the JIT has compiled them, then
 * for the plain and the guarded path in turn, collect the heap, take a histogram of every object in
 * it ({@code GC.class_histogram -all}), make {@code calls} calls and take another. No collection
 * may run in between (the run retries with half the calls if one does), so the difference is
 * exactly what the calls allocated, on every thread of the JVM, server included. The difference of
 * the two paths' differences is what the guarded call added. Then JFR records where, in the guarded
 * call, Backstop's own code allocates ({@link #sites}): that count is the one the target is about.
 *
 * <p>Usage: {@code java -XX:+UseParallelGC -XX:-UseTLAB -Xms3g -Xmx3g -Xmn2g -cp benchmarks.jar
 * dev.backstop.benchmarks.IntegrationAllocations --out FILE [--calls N] [--warmup N]}; the young
 * generation must hold {@code calls} calls, and thread-local allocation buffers must be off (see
 * {@link #requireNoTlabs()}). Writes JSON that {@link Report} reads. Not thread-safe; it is a
 * command.
 */
public final class IntegrationAllocations {

  /** A site allocating at least this many objects per call allocates on (nearly) every call. */
  static final double EVERY_CALL = 0.5;

  /** Differences below this many objects per call, either way, are left out of the list. */
  static final double NOISE = 0.05;

  /**
   * One client's census.
   *
   * @param client the client, as {@link Loopback#client()} names it
   * @param calls the calls counted per path
   * @param plain everything the plain call allocated, per call
   * @param guarded everything the guarded call allocated, per call
   * @param added the guarded call's objects per call beyond the plain call's, by class, largest
   *     first; classes within {@link #NOISE} left out
   * @param sites what Backstop's own code allocates per guarded call, site by site
   */
  record Census(
      String client, long calls, Count plain, Count guarded, List<Count> added, List<Site> sites) {

    /** Objects per call that Backstop's own code allocates, all sites counted. */
    double backstopObjects() {
      return sites.stream().mapToDouble(Site::objects).sum();
    }

    /**
     * Objects per call that Backstop's own code allocates at sites reached on at least every other
     * call ({@link #EVERY_CALL}); the rest is amortised, such as a new window frame per bucket.
     */
    double everyCallObjects() {
      return sites.stream().mapToDouble(Site::objects).filter(o -> o >= EVERY_CALL).sum();
    }
  }

  /**
   * Packages of the clients and their libraries: an allocation whose stack reaches one of these
   * before a Backstop frame is the client's, even when Backstop called the client.
   */
  private static final List<String> CLIENTS =
      List.of("io.grpc.", "okhttp3.", "okio.", "jdk.internal.net.http.", "java.net.http.");

  /**
   * Where Backstop's code allocates, per guarded call.
   *
   * @param site the class allocated, the allocating frame and the Backstop frame that led to it
   * @param objects objects per call
   */
  record Site(String site, double objects) {}

  private IntegrationAllocations() {}

  /** Counts every integration's allocations and writes them as JSON. */
  public static void main(String[] args) throws Exception {
    Path out = null;
    long calls = 2_000;
    long warmup = 10_000;
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--out" -> out = Path.of(args[i + 1]);
        case "--calls" -> calls = Long.parseLong(args[i + 1]);
        case "--warmup" -> warmup = Long.parseLong(args[i + 1]);
        default -> out = null;
      }
    }
    if (out == null || args.length % 2 != 0) {
      System.err.println("usage: IntegrationAllocations --out FILE [--calls N] [--warmup N]");
      System.exit(2);
      return;
    }
    List<Census> censuses = new ArrayList<>();
    for (Loopback loopback :
        List.<Loopback>of(
            new Integrations.Grpc(), new Integrations.JdkHttp(), new Integrations.OkHttp())) {
      Census census = count(loopback, calls, warmup);
      censuses.add(census);
      System.out.printf(
          Locale.ROOT,
          "%s: plain %.1f objects, guarded %.1f objects per call; Backstop's code: %s%n",
          census.client(),
          census.plain().objects(),
          census.guarded().objects(),
          census.sites());
    }
    new ObjectMapper()
        .enable(SerializationFeature.INDENT_OUTPUT)
        .writeValue(out.toFile(), censuses);
  }

  /** The census of one client. */
  static Census count(Loopback loopback, long calls, long warmup) throws Exception {
    loopback.start();
    try {
      for (long i = 0; i < warmup; i++) {
        loopback.plain();
        loopback.guarded();
      }
      Call plain = loopback::plain;
      Call guarded = loopback::guarded;
      List<Count> plainCounts = perCall(plain, calls);
      List<Count> guardedCounts = perCall(guarded, calls);
      return new Census(
          loopback.client(),
          calls,
          Histogram.total("plain", plainCounts),
          Histogram.total("guarded", guardedCounts),
          Histogram.minus(guardedCounts, plainCounts, NOISE),
          sites(loopback, (int) Math.min(calls, 1_000)));
    } finally {
      loopback.stop();
    }
  }

  /** What one call allocates, by class, counted over {@code calls} calls without a collection. */
  static List<Count> perCall(Call call, long calls) throws Exception {
    requireNoTlabs();
    for (long n = calls; n >= 100; n /= 2) {
      System.gc();
      long collections = collections();
      String before = Histogram.take(true);
      for (long i = 0; i < n; i++) {
        call.run();
      }
      String after = Histogram.take(true);
      if (collections() == collections) {
        return Histogram.parse(after).since(Histogram.parse(before), n);
      }
    }
    throw new IllegalStateException(
        "a collection ran during every count down to 100 calls: give the JVM a larger young"
            + " generation, e.g. -XX:+UseParallelGC -Xmn2g");
  }

  /**
   * Throws unless thread-local allocation buffers are off. With them on, the histogram counts the
   * unused tail of every buffer as a filler {@code int[]} whose size changes from one histogram to
   * the next, which shows up as thousands of bytes per call that nobody allocated.
   */
  static void requireNoTlabs() {
    HotSpotDiagnosticMXBean vm = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
    if (!vm.getVMOption("UseTLAB").getValue().equals("false")) {
      throw new IllegalStateException("count allocations with -XX:-UseTLAB");
    }
  }

  /** The number of collections so far, of every collector. */
  private static long collections() {
    long count = 0;
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      count += Math.max(0, gc.getCollectionCount());
    }
    return count;
  }

  /** One call of one path. */
  @FunctionalInterface
  interface Call {
    Object run() throws Exception;
  }

  /**
   * The objects Backstop's own code allocates per guarded call, by class and site, recorded by JFR
   * over {@code calls} calls: with thread-local allocation buffers off every allocation is a {@code
   * jdk.ObjectAllocationOutsideTLAB} event with its stack, so the count is exact, not sampled. An
   * object is Backstop's when, walking its stack from the allocation down, a Backstop frame comes
   * before any frame of the client's libraries ({@link #CLIENTS}; JDK frames such as string
   * concatenation count neither way), so what the client allocates because an interceptor is
   * installed (OkHttp copies its chain for each one) is the client's.
   */
  static List<Site> sites(Loopback loopback, int calls) throws Exception {
    Path file = Files.createTempFile("backstop-allocations", ".jfr");
    try {
      try (Recording recording = new Recording()) {
        recording.enable("jdk.ObjectAllocationOutsideTLAB").withStackTrace();
        recording.start();
        for (int i = 0; i < calls; i++) {
          loopback.guarded();
        }
        recording.stop();
        recording.dump(file);
      }
      Map<String, Integer> sites = new TreeMap<>();
      for (RecordedEvent event : RecordingFile.readAllEvents(file)) {
        if (event.getStackTrace() == null) {
          continue;
        }
        List<RecordedFrame> frames = event.getStackTrace().getFrames();
        for (int i = 0; i < frames.size(); i++) {
          String type = frames.get(i).getMethod().getType().getName();
          if (CLIENTS.stream().anyMatch(type::startsWith)) {
            break;
          }
          if (type.startsWith("dev.backstop.") && !type.startsWith("dev.backstop.benchmarks.")) {
            String site =
                event.getClass("objectClass").getName()
                    + " <- "
                    + frame(frames.get(0))
                    + (i == 0 ? "" : " <- ... <- " + frame(frames.get(i)));
            sites.merge(site, 1, Integer::sum);
            break;
          }
        }
      }
      List<Site> perCall = new ArrayList<>();
      sites.forEach((site, count) -> perCall.add(new Site(site, (double) count / calls)));
      return perCall;
    } finally {
      Files.deleteIfExists(file);
    }
  }

  private static String frame(RecordedFrame frame) {
    String type = frame.getMethod().getType().getName();
    return type.substring(type.lastIndexOf('.') + 1)
        + "."
        + frame.getMethod().getName()
        + ":"
        + frame.getLineNumber();
  }

  /** Reads what {@link #main} wrote. */
  static List<Census> read(Path file) throws IOException {
    return List.of(new ObjectMapper().readValue(file.toFile(), Census[].class));
  }
}
