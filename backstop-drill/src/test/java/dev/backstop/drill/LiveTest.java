package dev.backstop.drill;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.backstop.SreBreaker;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The live drill over real loopback sockets, for a couple of seconds. */
class LiveTest {

  @TempDir Path dir;

  @Test
  void everyOfferedRequestReachedTheServerOrWasRejectedLocally() throws IOException {
    StringWriter text = new StringWriter();
    Live live =
        new Live(
            200,
            Duration.ofSeconds(3),
            () -> SreBreaker.builder().request(5),
            new PrintWriter(text, true));
    Live.Result result = live.run();

    assertThat(result.stopped()).isFalse();
    assertThat(result.lanes()).extracting(Live.LaneResult::name).containsExactly("gRPC", "HTTP");
    for (Live.LaneResult lane : result.lanes()) {
      Metrics m = lane.metrics();
      assertThat(m.phases()).extracting(Metrics.PhaseStats::name)
          .containsExactly("healthy", "failing", "healed");
      // At most one request per 5 ms was due; a loaded machine may skip some, never add any.
      assertThat(m.offered()).isBetween(1L, 601L);
      // The server's own count: exactly what the client sent, never what it rejected.
      assertThat(lane.received()).as(lane.name()).isEqualTo(m.sent());
      assertThat(lane.received() + m.rejected()).as(lane.name()).isEqualTo(m.offered());
      // Nothing fails while the server is healthy from the start.
      assertThat(m.phases().get(0).rejected()).isZero();
    }
    // The failing server made the breakers reject, so the proof above covers rejected requests.
    assertThat(result.lanes()).allSatisfy(l -> assertThat(l.metrics().rejected()).isPositive());
    assertThat(text.toString())
        .contains("through BackstopClientInterceptor", "through BackstopHttpClient")
        .contains("   1s healthy ", "   2s failing ", "   3s healed ");
  }

  @Test
  void liveCommandPrintsTheProofAndWritesTheChart() throws IOException {
    Path png = dir.resolve("live.png");
    StringWriter out = new StringWriter();
    picocli.CommandLine cl = Drill.commandLine();
    cl.setOut(new PrintWriter(out, true));
    int status =
        cl.execute(
            "live", "--rps", "50", "--duration", "1s", "--original", "--out", png.toString());
    assertThat(status).isZero();
    assertThat(out.toString())
        .contains("recent 0, probe 0 s, forgive false")
        .containsPattern("gRPC: the server received (\\d+); the client sent \\1 and rejected \\d+"
            + " locally: .*, so no rejected request left the client")
        .containsPattern("HTTP: the server received (\\d+); the client sent \\1 and rejected \\d+"
            + " locally: .*, so no rejected request left the client")
        .contains("chart: " + png);
    assertThat(Files.size(png)).isGreaterThan(10_000);
  }

  @Test
  void theHealthScriptIsAQuarterHealthyAQuarterFailing() {
    assertThat(Live.phases(Duration.ofSeconds(40)))
        .extracting(Phase::name, Phase::duration, Phase::backend)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("healthy", Duration.ofSeconds(10), Backend.HEALTHY),
            org.assertj.core.groups.Tuple.tuple("failing", Duration.ofSeconds(10), Backend.DEAD),
            org.assertj.core.groups.Tuple.tuple("healed", Duration.ofSeconds(20), Backend.HEALTHY));
    assertThat(Live.truncate(Live.phases(Duration.ofSeconds(4)), 15))
        .extracting(Phase::name, Phase::duration)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("healthy", Duration.ofSeconds(1)),
            org.assertj.core.groups.Tuple.tuple("failing", Duration.ofMillis(500)));
    assertThatThrownBy(() -> Live.phases(Duration.ofMillis(250)))
        .hasMessage("duration must be a multiple of 100 ms in [300 ms, 1 h], was PT0.25S");
    assertThatThrownBy(() -> new Live(0, Duration.ofSeconds(1), SreBreaker::builder,
            new PrintWriter(new StringWriter())))
        .hasMessage("rps must be in (0, 20000], was 0.0");
  }
}
