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
      "Start a gRPC server (Netty) and an HTTP server (Jetty) on 127.0.0.1, switch them"
          + " healthy -> failing (UNAVAILABLE / 503) -> healthy, and drive them on a schedule"
          + " through Backstop breakers: one line per second, then the summary and the chart.",
      "Every request ends by cause: ok, the backend's failure, a transport failure (refused,"
          + " reset, timeout, other), ignored (the client's doing) or rejected locally. The"
          + " servers record each request's number, proving that rejected requests never left"
          + " the client. A machine that cannot send on schedule is named as the limit."
          + " Ctrl-C stops early and still prints the summary."
    })
final class LiveCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(names = "--rps", paramLabel = "RATE",
      description = "Requests per second on each client, at most " + Live.MAX_RPS
          + " (default ${DEFAULT-VALUE}).")
  double rps = 200;

  @Option(names = "--arrivals", paramLabel = "KIND",
      description = "even or poisson (default ${DEFAULT-VALUE}).")
  SimulateCommand.ArrivalsName arrivals = SimulateCommand.ArrivalsName.even;

  @Option(names = "--seed", paramLabel = "N",
      description = "Seed of Poisson arrivals (default ${DEFAULT-VALUE}).")
  long seed = 1;

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
      live =
          new Live(
              rps,
              arrivals == SimulateCommand.ArrivalsName.poisson
                  ? Arrivals.poisson(seed)
                  : Arrivals.even(),
              duration,
              breaker::builder,
              stdout);
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
      LiveReport.print(result, stdout);
      try {
        Chart.writeStacked(
            result.lanes().stream().map(Live.LaneResult::timeline).toList(),
            result.lanes().stream()
                .map(l -> String.format(Locale.ROOT, "%s at %s rps (live)", l.name(),
                    Report.number(rps)))
                .toList(),
            result.lanes().stream().map(LiveReport::extras).toList(),
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
}
