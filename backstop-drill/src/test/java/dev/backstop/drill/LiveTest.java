package dev.backstop.drill;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.groups.Tuple.tuple;

import dev.backstop.SreBreaker;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The live drill over real loopback sockets, for a few seconds per phase at a rate well inside
 * what any machine sustains, even one shared with other builds. Only facts that do not depend on
 * timing are asserted.
 */
class LiveTest {

  @TempDir Path dir;

  @Test
  void everyRequestIsAccountedForByCauseAndTheHealthyPhaseHasNoTransportFailure()
      throws IOException {
    StringWriter text = new StringWriter();
    Live live =
        new Live(
            100,
            Arrivals.even(),
            Duration.ofSeconds(8),
            () -> SreBreaker.builder().request(5),
            new PrintWriter(text, true));
    Live.Result result = live.run();

    assertThat(result.stopped()).isFalse();
    assertThat(result.duration()).isEqualTo(Duration.ofSeconds(8));
    assertThat(result.lanes()).extracting(Live.LaneResult::name).containsExactly("gRPC", "HTTP");
    for (Live.LaneResult lane : result.lanes()) {
      String name = lane.name();
      assertThat(lane.phases()).hasSize(3);
      Ledger.Counts healthy = lane.phases().get(0);
      // The schedule asks for 100 a second, 800 in 8 s; a loaded machine may offer fewer.
      assertThat(lane.total().asked()).as(name).isEqualTo(800);
      assertThat(healthy.asked()).as(name).isEqualTo(200);
      // A healthy backend from the start: no transport failure, nothing rejected or ignored.
      assertThat(healthy.transport()).as(name).isZero();
      assertThat(healthy.of(Lane.Outcome.REJECTED)).as(name).isZero();
      assertThat(healthy.of(Lane.Outcome.IGNORED)).as(name).isZero();
      // Every request offered ended, and by one cause.
      Ledger.Counts all = lane.total();
      assertThat(all.of(Lane.Outcome.UNANSWERED)).as(name).isZero();
      long ended = 0;
      for (Lane.Outcome o : Lane.Outcome.values()) {
        ended += all.of(o);
      }
      assertThat(ended).as(name).isEqualTo(all.offered());
      // The proof, request by request: every rejected request stayed at the client, every
      // request the server answered has its receipt, and the sum is exact.
      Ledger.Tally t = lane.tally();
      assertThat(t.offered()).as(name).isEqualTo(all.offered());
      assertThat(t.reached(Lane.Outcome.REJECTED)).as(name).isZero();
      assertThat(t.strays()).as(name).isZero();
      assertThat(t.answeredUnreceived()).as(name).isZero();
      assertThat(t.received() + t.lost() + t.count(Lane.Outcome.REJECTED))
          .as(name)
          .isEqualTo(all.offered());
      assertThat(t.balanced()).as(name).isTrue();
      // The breaker was told exactly what the drill counted.
      BreakerCount.Counts b = lane.breaker();
      assertThat(b.success()).as(name).isEqualTo(all.of(Lane.Outcome.OK));
      assertThat(b.failure()).as(name)
          .isEqualTo(all.of(Lane.Outcome.BACKEND) + all.transport());
      assertThat(b.ignored()).as(name).isEqualTo(all.of(Lane.Outcome.IGNORED));
      assertThat(b.rejected()).as(name).isEqualTo(all.of(Lane.Outcome.REJECTED));
      // The failing backend made the breaker reject, so the proof covers rejected requests.
      assertThat(all.of(Lane.Outcome.REJECTED)).as(name).isPositive();
      assertThat(lane.phases().get(1).of(Lane.Outcome.BACKEND)).as(name).isPositive();
    }
    assertThat(text.toString())
        .contains("through BackstopClientInterceptor", "through BackstopHttpClient")
        .contains("   1s healthy ", "   3s failing ", "   5s healed ");
  }

  @Test
  void liveCommandPrintsTheProofAndWritesTheChart() throws IOException {
    Path png = dir.resolve("live.png");
    StringWriter out = new StringWriter();
    picocli.CommandLine cl = Drill.commandLine();
    cl.setOut(new PrintWriter(out, true));
    int status =
        cl.execute("live", "--rps", "50", "--arrivals", "poisson", "--seed", "3",
            "--duration", "1s", "--original", "--out", png.toString());
    assertThat(status).isZero();
    assertThat(out.toString())
        .contains("live: 50 rps (poisson(seed 3) arrivals) for 1 s,")
        .contains("recent 0, probe 0 s, forgive false")
        .containsPattern("(?m)^gRPC: offered \\d+ of \\d+ asked \\(poisson\\(seed 3\\) arrivals\\)")
        .containsPattern("gRPC: the server received (\\d+), (\\d+) lost in transport.*, (\\d+)"
            + " rejected locally: \\1 \\+ \\2 \\+ \\3 = \\d+ offered, each request matched")
        .containsPattern("HTTP: the server received (\\d+), (\\d+) lost in transport.*, (\\d+)"
            + " rejected locally: \\1 \\+ \\2 \\+ \\3 = \\d+ offered, each request matched")
        .containsPattern("gRPC: the breaker allowed \\d+ .* as the drill counted")
        .containsPattern("HTTP: the breaker allowed \\d+ .* as the drill counted")
        .contains("transport failures: refused ")
        .contains("chart: " + png);
    assertThat(Files.size(png)).isGreaterThan(10_000);
  }

  @Test
  void theHealthScriptIsAQuarterHealthyAQuarterFailing() {
    assertThat(Live.phases(Duration.ofSeconds(40)))
        .extracting(Phase::name, Phase::duration, Phase::backend)
        .containsExactly(
            tuple("healthy", Duration.ofSeconds(10), Backend.HEALTHY),
            tuple("failing", Duration.ofSeconds(10), Backend.DEAD),
            tuple("healed", Duration.ofSeconds(20), Backend.HEALTHY));
    assertThat(Live.truncate(Live.phases(Duration.ofSeconds(4)), 15))
        .extracting(Phase::name, Phase::duration)
        .containsExactly(
            tuple("healthy", Duration.ofSeconds(1)), tuple("failing", Duration.ofMillis(500)));
    assertThatThrownBy(() -> Live.phases(Duration.ofMillis(250)))
        .hasMessage("duration must be a multiple of 100 ms in [300 ms, 1 h], was PT0.25S");
  }

  @Test
  void aRateBeyondWhatTheDrillCanDriveIsRefused() {
    PrintWriter out = new PrintWriter(new StringWriter());
    assertThatThrownBy(
            () -> new Live(0, Arrivals.even(), Duration.ofSeconds(1), SreBreaker::builder, out))
        .hasMessage("rps must be in (0, 10000], was 0");
    assertThatThrownBy(
            () ->
                new Live(20_000, Arrivals.even(), Duration.ofSeconds(1), SreBreaker::builder, out))
        .hasMessage(
            "rps must be in (0, 10000], was 20000: no 2-core machine the drill was measured on"
                + " came near 10000 rps (backstop-drill/live-rates measures this one)");
  }
}
