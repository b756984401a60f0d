package dev.backstop.benchmarks;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.backstop.Backstop;
import dev.backstop.SreBreaker;
import dev.backstop.benchmarks.Histogram.Count;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The memory a {@code Backstop} holds per idle operation: a {@code Backstop} with the default
 * breakers, in a group large enough for {@code operations} operations, after one call to each
 * operation and again after two threads have called every operation at the same time.
 *
 * <p>Each figure is the difference between class histograms of the live heap ({@code
 * GC.class_histogram}, after a full collection) taken before the {@code Backstop} is built and
 * after the calls, divided by the number of operations, so it says which objects the bytes are in.
 * The operation names ({@code "op-12345"}) are built by the calls and held only by the group, so
 * their {@code String} and {@code byte[]} are counted; an application whose names are constants
 * holds those anyway.
 *
 * <p>A {@code LongAdder} allocates its striped cells only when two threads collide on it, so the
 * two-thread phase makes both threads call each operation in a burst of {@link #BURST} calls at the
 * same moment (they meet at a spinning barrier before each operation); the histogram shows how many
 * cells that created.
 *
 * <p>Usage: {@code java -cp benchmarks.jar dev.backstop.benchmarks.OperationMemory --out FILE
 * [--operations N]}; writes JSON that {@link Report} reads. Not thread-safe; it is a command.
 */
public final class OperationMemory {

  /** Calls per thread per operation in the two-thread phase. */
  static final int BURST = 64;

  /**
   * What the {@code Backstop} holds per operation at one point.
   *
   * @param after when it was measured
   * @param bytes bytes per operation, all classes counted
   * @param classes objects and bytes per operation, by class, the largest first
   */
  record Held(String after, double bytes, List<Count> classes) {}

  /**
   * The whole measurement.
   *
   * @param operations the number of operations
   * @param held what was held after one call each, then after two-thread traffic
   */
  record Measurement(long operations, List<Held> held) {}

  private OperationMemory() {}

  /** Measures and writes the JSON. */
  public static void main(String[] args) throws Exception {
    Path out = null;
    int operations = 100_000;
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--out" -> out = Path.of(args[i + 1]);
        case "--operations" -> operations = Integer.parseInt(args[i + 1]);
        default -> out = null;
      }
    }
    if (out == null || args.length % 2 != 0) {
      System.err.println("usage: OperationMemory --out FILE [--operations N]");
      System.exit(2);
      return;
    }
    Measurement m = measure(operations);
    for (Held h : m.held()) {
      System.out.printf(Locale.ROOT, "after %s: %.0f B per operation%n", h.after(), h.bytes());
      h.classes().stream()
          .limit(12)
          .forEach(
              c ->
                  System.out.printf(
                      Locale.ROOT,
                      "  %8.2f objects %8.1f B  %s%n",
                      c.objects(),
                      c.bytes(),
                      c.name()));
    }
    new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(out.toFile(), m);
  }

  /** Builds the {@code Backstop}, makes the calls and measures after each phase. */
  static Measurement measure(int operations) throws Exception {
    Backstop.Action<String, RuntimeException> action = () -> "ok";
    Histogram empty = Histogram.parse(Histogram.take(false));
    // Backstop.create()'s breakers, in a group that holds every operation.
    Backstop backstop =
        Backstop.builder()
            .breakers(operation -> SreBreaker.builder().name(operation).build())
            .maximumSize(operations)
            .build();
    for (int i = 0; i < operations; i++) {
      backstop.call(name(i), action);
    }
    List<Held> held = new ArrayList<>();
    held.add(held("one call each", empty, operations));

    // A spinning barrier: a blocking one wakes the second thread tens of microseconds late, after
    // the first has finished its burst, and the two never collide.
    AtomicInteger arrived = new AtomicInteger();
    CountDownLatch done = new CountDownLatch(2);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    for (int t = 0; t < 2; t++) {
      Thread thread =
          new Thread(
              () -> {
                try {
                  for (int i = 0; i < operations && failure.get() == null; i++) {
                    String name = name(i);
                    arrived.incrementAndGet();
                    while (arrived.get() < 2 * (i + 1) && failure.get() == null) {
                      Thread.onSpinWait();
                    }
                    for (int j = 0; j < BURST; j++) {
                      backstop.call(name, action);
                    }
                  }
                } catch (Throwable e) {
                  failure.compareAndSet(null, e);
                } finally {
                  done.countDown();
                }
              },
              "traffic-" + t);
      thread.start();
    }
    done.await();
    if (failure.get() != null) {
      throw new IllegalStateException("two-thread traffic failed", failure.get());
    }
    held.add(held("two threads called each at once", empty, operations));
    if (backstop.size() != operations) {
      throw new IllegalStateException(
          "the group must hold every operation, held " + backstop.size() + " of " + operations);
    }
    return new Measurement(operations, held);
  }

  private static Held held(String after, Histogram before, int operations) {
    List<Count> classes = Histogram.parse(Histogram.take(false)).since(before, operations);
    double bytes = Histogram.total(after, classes).bytes();
    // Below half a byte per operation: the JVM's own noise (class loading, the histogram's text).
    classes.removeIf(c -> Math.abs(c.bytes()) < 0.5);
    return new Held(after, bytes, classes);
  }

  private static String name(int i) {
    return "op-" + i;
  }

  /** Reads what {@link #main} wrote. */
  static Measurement read(Path file) throws IOException {
    return new ObjectMapper().readValue(file.toFile(), Measurement.class);
  }
}
