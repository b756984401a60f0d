package dev.backstop;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * What the shared clock's thread costs while it runs: its ticks per second and the CPU time it
 * uses, measured on the thread itself ({@code ThreadMXBean}) while another thread keeps the clock
 * in use by reading it ten times a second. In the package of {@link SharedClock}, whose thread it
 * watches.
 *
 * <p>Usage: {@code java -cp benchmarks.jar dev.backstop.ClockCost --out FILE [--seconds N]}; writes
 * JSON that {@code Report} reads. Not thread-safe; it is a command.
 */
public final class ClockCost {

  /**
   * The measurement.
   *
   * @param seconds how long it was measured
   * @param tickNanos the tick the clock asks for
   * @param ticks the ticks the thread made in that time
   * @param cpuNanos the CPU time the thread used in that time
   */
  public record Measurement(double seconds, long tickNanos, long ticks, long cpuNanos) {

    /** The mean time between two ticks, in ns. */
    public double meanTickNanos() {
      return seconds * 1e9 / ticks;
    }

    /** The share of one CPU the thread used, in %. */
    public double cpuPercent() {
      return 100 * cpuNanos / (seconds * 1e9);
    }

    /** CPU time per tick, in ns. */
    public double cpuPerTickNanos() {
      return (double) cpuNanos / ticks;
    }
  }

  private ClockCost() {}

  /** Measures and writes the JSON. */
  public static void main(String[] args) throws Exception {
    Path out = null;
    double seconds = 10;
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--out" -> out = Path.of(args[i + 1]);
        case "--seconds" -> seconds = Double.parseDouble(args[i + 1]);
        default -> out = null;
      }
    }
    if (out == null || args.length % 2 != 0) {
      System.err.println("usage: ClockCost --out FILE [--seconds N]");
      System.exit(2);
      return;
    }
    Measurement m = measure(seconds);
    System.out.printf(
        Locale.ROOT,
        "clock thread: %d ticks in %.1f s (one per %.0f µs, asked %d µs), %.2f %% of a CPU"
            + " (%.1f µs per tick)%n",
        m.ticks(),
        m.seconds(),
        m.meanTickNanos() / 1e3,
        m.tickNanos() / 1_000,
        m.cpuPercent(),
        m.cpuPerTickNanos() / 1e3);
    new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(out.toFile(), m);
  }

  /** Keeps the system clock in use for {@code seconds} and measures its thread. */
  static Measurement measure(double seconds) throws InterruptedException {
    SharedClock clock = SharedClock.system();
    if (clock == null) {
      throw new IllegalStateException(
          "the shared clock is off (" + SharedClock.PROPERTY + "=false): nothing to measure");
    }
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    if (!threads.isThreadCpuTimeSupported()) {
      throw new IllegalStateException("this JVM cannot measure a thread's CPU time");
    }
    threads.setThreadCpuTimeEnabled(true);
    long nanos = (long) (seconds * 1e9);
    Thread reader =
        new Thread(
            () -> {
              long end = System.nanoTime() + nanos + TimeUnit.SECONDS.toNanos(2);
              while (System.nanoTime() - end < 0) {
                clock.read();
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
              }
            },
            "clock-reader");
    reader.setDaemon(true);
    reader.start();
    Thread.sleep(1_000); // started and settled
    Thread thread = clock.thread();
    long cpu0 = threads.getThreadCpuTime(thread.getId());
    long ticks0 = clock.ticks();
    long t0 = System.nanoTime();
    Thread.sleep(nanos / 1_000_000);
    long cpu1 = threads.getThreadCpuTime(thread.getId());
    long ticks1 = clock.ticks();
    long t1 = System.nanoTime();
    if (clock.thread() != thread || cpu0 < 0 || cpu1 < 0) {
      throw new IllegalStateException("the clock's thread changed or ended while measured");
    }
    return new Measurement((t1 - t0) / 1e9, SharedClock.TICK_NANOS, ticks1 - ticks0, cpu1 - cpu0);
  }

  /** Reads what {@link #main} wrote. */
  public static Measurement read(Path file) throws IOException {
    return new ObjectMapper().readValue(file.toFile(), Measurement.class);
  }
}
