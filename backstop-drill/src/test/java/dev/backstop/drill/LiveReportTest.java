package dev.backstop.drill;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The live drill's judgements, on ledgers filled by hand: no sockets, no clock. */
class LiveReportTest {

  /**
   * One lane's second at 2000 rps: {@code offered} of the 2000 arrivals sent (all answered ok in
   * a millisecond, each received by the server), the rest missed.
   */
  private static Live.LaneResult lane(String name, int offered, Receipts receipts) {
    Ledger ledger = new Ledger(10, 2000);
    Histogram lags = new Histogram();
    for (int slot = 0; slot < 10; slot++) {
      for (int i = 0; i < 200; i++) {
        if (slot * 200 + i < offered) {
          int id = ledger.offer(slot);
          receipts.mark(id);
          ledger.done(id, slot, Lane.Outcome.OK, 1_000_000);
          lags.add(500_000);
        } else {
          ledger.missed(slot);
        }
      }
    }
    List<Phase> phases = List.of(new Phase("healthy", Duration.ofSeconds(1), Backend.HEALTHY));
    Timeline t = ledger.timeline(phases);
    List<Ledger.Counts> slots = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      slots.add(ledger.counts(i, i + 1));
    }
    return new Live.LaneResult(
        name,
        "a test lane",
        t,
        Metrics.of(t),
        List.of(ledger.counts(0, 10)),
        ledger.counts(0, 10),
        ledger.tally(receipts),
        new BreakerCount.Counts(offered, 0, offered, 0, 0),
        lags,
        ledger.answers(),
        slots);
  }

  private static Live.Result run(Live.LaneResult... lanes) {
    return new Live.Result(2000, Arrivals.even(), Duration.ofSeconds(1), List.of(lanes), false);
  }

  @Test
  void aLaneThatSentTheWholeScheduleKeptUp() {
    Live.LaneResult grpc = lane("gRPC", 2000, new Receipts(2000));
    Live.Result result = run(grpc);
    assertThat(LiveReport.pace(result, grpc))
        .isEqualTo("gRPC: offered 2000 of 2000 asked (even arrivals), every request on time:"
            + " sent p99 <= 0.50 ms, max 0.50 ms behind the schedule");
    assertThat(LiveReport.verdict(result))
        .isEqualTo("verdict: this machine kept up with 2,000 rps: at least 99 % of the schedule"
            + " sent on time, answers p99 within 250 ms, no transport failure");
    assertThat(LiveReport.proof(grpc))
        .isEqualTo("gRPC: the server received 2000, 0 lost in transport, 0 rejected locally:"
            + " 2000 + 0 + 0 = 2000 offered, each request matched by its number, so no rejected"
            + " request left the client");
    assertThat(LiveReport.breaker(grpc))
        .isEqualTo("gRPC: the breaker allowed 2000 (2000 successes, 0 failures, 0 ignored) and"
            + " rejected 0: as the drill counted");
  }

  @Test
  void aShortfallOfOnePercentIsThisMachinesLimitAndLessIsAPause() {
    Live.LaneResult http = lane("HTTP", 1450, new Receipts(2000));
    Live.LaneResult grpc = lane("gRPC", 1990, new Receipts(2000));
    Live.Result result = run(grpc, http);
    assertThat(LiveReport.pace(result, http))
        .isEqualTo("HTTP: offered 1450 of 2000 asked (even arrivals): offered 1,450 of 2,000 rps"
            + " asked: this machine's limit; 550 arrivals (27.5 %) were more than 20 ms behind"
            + " the schedule and not sent; sent p99 <= 0.50 ms, max 0.50 ms behind the schedule");
    assertThat(LiveReport.pace(result, grpc))
        .startsWith("gRPC: offered 1990 of 2000 asked (even arrivals): 10 arrivals (0.5 %) were"
            + " more than 20 ms behind the schedule and not sent, pauses of this machine;");
    assertThat(LiveReport.verdict(result))
        .isEqualTo("verdict: this machine could not keep up with 2,000 rps: HTTP offered 1,450 of"
            + " 2,000 rps. These numbers describe the machine as much as the breaker: try a lower"
            + " --rps.");
    assertThat(LiveReport.shortfall(1450, 2000))
        .isEqualTo("offered 1450 of 2000: this machine's limit");
    assertThat(LiveReport.shortfall(194, 200)).isEqualTo("offered 194 of 200, 6 late");
    assertThat(LiveReport.rate(2.5)).isEqualTo("2.5");
  }

  @Test
  void aReceiptOfANumberTheClientNeverGaveBreaksTheProof() {
    Receipts receipts = new Receipts(2000);
    receipts.mark(5000);
    Live.LaneResult http = lane("HTTP", 2000, receipts);
    assertThat(LiveReport.proof(http))
        .isEqualTo("HTTP: the server received 2000, 0 lost in transport, 0 rejected locally:"
            + " 2000 + 0 + 0 = 2000 offered; yet the server also received 1 requests carrying no"
            + " number the client gave");
  }
}
