package dev.backstop.drill;

import dev.backstop.SreBreaker;
import dev.backstop.Ticker;
import java.time.Duration;
import java.util.function.BiFunction;
import java.util.function.DoubleSupplier;
import picocli.CommandLine.Option;

/** The SreBreaker options shared by the commands; unset options keep the builder's defaults. */
final class BreakerOptions {

  @Option(
      names = "--original",
      description = "Start from SreBreaker.original() (the original SRE design) instead of the"
          + " defaults; the options below still override it.")
  boolean original;

  @Option(names = "--success", paramLabel = "SHARE",
      description = "Share of requests the backend must accept, K = 1/success (default 0.6).")
  Double success;

  @Option(names = "--request", paramLabel = "N",
      description = "Minimum requests in the window before rejecting (default 100).")
  Long request;

  @Option(names = "--window", paramLabel = "DURATION", converter = DurationConverter.class,
      description = "Length of the rolling window, e.g. 3s (default 3s).")
  Duration window;

  @Option(names = "--bucket", paramLabel = "N",
      description = "Buckets in the window (default 10).")
  Integer bucket;

  @Option(names = "--recent", paramLabel = "N",
      description = "Newest buckets also judged on their own; 0 = off (default 2, original 0).")
  Integer recent;

  @Option(names = "--probe", paramLabel = "DURATION", converter = DurationConverter.class,
      description = "While rejecting, let one request through per interval; 0 = off"
          + " (default 1s, original 0).")
  Duration probe;

  @Option(names = "--forgive", negatable = true, paramLabel = "BOOLEAN",
      description = "Forget local rejections once a starved backend accepts again"
          + " (default on, original off).")
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
