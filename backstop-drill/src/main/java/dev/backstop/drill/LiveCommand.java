package dev.backstop.drill;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code drill live}: the same story over real sockets. */
@Command(
    name = "live",
    mixinStandardHelpOptions = true,
    version = Drill.VERSION,
    sortOptions = false,
    description = {
      "Start a gRPC server (Netty) and an HTTP server (JDK HttpServer) on 127.0.0.1, switch them"
          + " healthy -> failing (UNAVAILABLE / 503) -> healthy, and drive them at a steady rate"
          + " through Backstop breakers: one line per second, then the summary and the chart.",
      "The servers count what reached them, proving that rejected requests never left the"
          + " client. Ctrl-C stops early and still prints the summary."
    })
final class LiveCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(names = "--rps", paramLabel = "RATE",
      description = "Requests per second on each client (default ${DEFAULT-VALUE}).")
  double rps = 200;

  @Option(names = "--duration", paramLabel = "DURATION", converter = DurationConverter.class,
      description = "Length of the run: a quarter healthy, a quarter failing, the rest healed"
          + " (default 40s).")
  Duration duration = Duration.ofSeconds(40);

  @Mixin BreakerOptions breaker = new BreakerOptions();

  @Option(names = "--out", paramLabel = "FILE",
      description = "Chart to write, .png (default ${DEFAULT-VALUE}).")
  Path out = Path.of("drill-live.png");

  @Override
  public Integer call() throws IOException {
    PrintWriter stdout = spec.commandLine().getOut();
    Live live;
    try {
      if (!Chart.isPng(out)) {
        throw new IllegalArgumentException("out must end in .png for this chart, was " + out);
      }
      live = new Live(rps, duration, breaker::builder, stdout);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    CountDownLatch reported = new CountDownLatch(1);
    Thread hook =
        new Thread(
            () -> {
              live.stop();
              try {
                reported.await(20, TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            },
            "drill-live-stop");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      Live.Result result = live.run();
      report(result, stdout);
      try {
        Chart.writeStacked(
            result.lanes().stream().map(Live.LaneResult::timeline).toList(),
            result.lanes().stream()
                .map(l -> String.format(Locale.ROOT, "%s at %s rps (live)", l.name(),
                    Report.number(rps)))
                .toList(),
            out);
        stdout.println("chart: " + out);
      } catch (IOException | RuntimeException e) {
        stdout.println("chart not written: " + e);
      }
      stdout.flush();
      return 0;
    } finally {
      reported.countDown();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // Ctrl-C: the hook is running and waits for the report above.
      }
    }
  }

  static void report(Live.Result result, PrintWriter out) {
    out.println();
    if (result.stopped()) {
      out.println("stopped early: the summary covers the run so far");
    }
    for (Live.LaneResult lane : result.lanes()) {
      out.println(lane.name() + ":");
      out.print(Report.table(lane.metrics()));
      out.println();
    }
    for (Live.LaneResult lane : result.lanes()) {
      Metrics m = lane.metrics();
      out.printf(
          Locale.ROOT,
          "%s: the server received %d; the client sent %d and rejected %d locally:"
              + " %d + %d = %d offered%s%n",
          lane.name(),
          lane.received(),
          m.sent(),
          m.rejected(),
          lane.received(),
          m.rejected(),
          lane.received() + m.rejected(),
          lane.received() + m.rejected() == m.offered()
              ? ", so no rejected request left the client"
              : " but " + m.offered() + " were offered");
    }
    out.flush();
  }

}
