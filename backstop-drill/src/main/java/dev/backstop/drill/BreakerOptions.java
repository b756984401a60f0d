package dev.backstop.drill;

import dev.backstop.SreBreaker;
import dev.backstop.Ticker;
import java.time.Duration;
import java.util.function.BiFunction;
import java.util.function.DoubleSupplier;
import picocli.CommandLine.Option;

/** The SreBreaker options shared by the commands; unset options keep the builder's defaults. */
final class BreakerOptions {

  /*
   * The help shows the defaults of SreBreaker.builder() and SreBreaker.original(), read from
   * their settings when this class is loaded and handed to picocli's ${sys:...} interpolation, so
   * the help cannot drift from the builder.
   */
  static {
    SreBreaker.Settings d = SreBreaker.builder().settings();
    SreBreaker.Settings o = SreBreaker.original().settings();
    String prefix = "backstop.drill.default.";
    System.setProperty(prefix + "success", Report.number(d.success()));
    System.setProperty(prefix + "request", Long.toString(d.request()));
    System.setProperty(prefix + "window", seconds(d.window()));
    System.setProperty(prefix + "bucket", Integer.toString(d.bucket()));
    System.setProperty(prefix + "recent", d.recent() + ", original " + o.recent());
    System.setProperty(prefix + "probe", seconds(d.probe()) + ", original " + seconds(o.probe()));
    System.setProperty(
        prefix + "forgive", (d.forgive() ? "on" : "off") + ", original "
            + (o.forgive() ? "on" : "off"));
  }

  private static String seconds(Duration d) {
    return d.isZero() ? "0" : Report.number(d.toNanos() / 1e9) + "s";
  }

  @Option(
      names = "--original",
      description = "Start from SreBreaker.original() (the original SRE design) instead of the"
          + " defaults; the options below still override it.")
  boolean original;

  @Option(names = "--success", paramLabel = "SHARE",
      description = "Share of requests the backend must accept, K = 1/success"
          + " (default ${sys:backstop.drill.default.success}).")
  Double success;

  @Option(names = "--request", paramLabel = "N",
      description = "Minimum requests in the window before the whole window is judged"
          + " (default ${sys:backstop.drill.default.request}).")
  Long request;

  @Option(names = "--window", paramLabel = "DURATION", converter = DurationConverter.class,
      description = "Length of the rolling window, e.g. 3s"
          + " (default ${sys:backstop.drill.default.window}).")
  Duration window;

  @Option(names = "--bucket", paramLabel = "N",
      description = "Buckets in the window (default ${sys:backstop.drill.default.bucket}).")
  Integer bucket;

  @Option(names = "--recent", paramLabel = "N",
      description = "Fewest failures in a row judged on their own once too long to be chance;"
          + " 0 = off (default ${sys:backstop.drill.default.recent}).")
  Integer recent;

  @Option(names = "--probe", paramLabel = "DURATION", converter = DurationConverter.class,
      description = "Let one request per interval reach a backend that seems dead; 0 = off"
          + " (default ${sys:backstop.drill.default.probe}).")
  Duration probe;

  @Option(names = "--forgive", negatable = true, paramLabel = "BOOLEAN",
      description = "Follow up successes after a dead spell and forget local rejections once"
          + " the backend accepts a long run (default ${sys:backstop.drill.default.forgive}).")
  Boolean forgive;

  /** Returns a builder with these options, fresh on every call; validates every value. */
  SreBreaker.Builder builder() {
    SreBreaker.Builder b = original ? SreBreaker.original() : SreBreaker.builder();
    if (success != null) {
      b.success(success);
    }
    if (request != null) {
      b.request(request);
    }
    if (window != null) {
      b.window(window);
    }
    if (bucket != null) {
      b.bucket(bucket);
    }
    if (recent != null) {
      b.recent(recent);
    }
    if (probe != null) {
      b.probe(probe);
    }
    if (forgive != null) {
      b.forgive(forgive);
    }
    return b;
  }

  /** The breaker factory for a simulation; builds one breaker first so bad values fail early. */
  BiFunction<Ticker, DoubleSupplier, SreBreaker> factory() {
    builder().build();
    return (ticker, random) -> builder().ticker(ticker).random(random).build();
  }
}
