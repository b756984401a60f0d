package dev.backstop.drill;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class LedgerTest {

  private static final Lane.Outcome OK = Lane.Outcome.OK;

  @Test
  void slotsCountAskedOfferedAndEachOutcomeWithTheRestUnanswered() {
    Ledger l = new Ledger(2, 10);
    l.missed(0);
    int a = l.offer(0);
    int b = l.offer(0);
    int c = l.offer(1);
    int d = l.offer(1);
    int e = l.offer(1);
    assertThat(List.of(a, b, c, d, e)).containsExactly(0, 1, 2, 3, 4);
    l.done(a, 0, OK, 1_000);
    l.done(b, 0, Lane.Outcome.REJECTED, 0);
    l.done(c, 1, Lane.Outcome.RESET, 2_000);
    l.done(d, 1, Lane.Outcome.BACKEND, 3_000);
    assertThat(l.pending()).isEqualTo(1);

    Ledger.Counts first = l.counts(0, 1);
    assertThat(first.asked()).isEqualTo(3);
    assertThat(first.offered()).isEqualTo(2);
    assertThat(first.missed()).isEqualTo(1);
    assertThat(first.of(OK)).isEqualTo(1);
    assertThat(first.of(Lane.Outcome.REJECTED)).isEqualTo(1);
    Ledger.Counts second = l.counts(1, 2);
    assertThat(second.transport()).isEqualTo(1);
    assertThat(second.of(Lane.Outcome.BACKEND)).isEqualTo(1);
    assertThat(second.of(Lane.Outcome.UNANSWERED)).isEqualTo(1);
    // Rejections take no time at the server: only what left the client is timed.
    assertThat(l.answers().count()).isEqualTo(3);

    l.sample(0, new dev.backstop.Snapshot(10, 4, 0.25, dev.backstop.State.OPEN));
    Timeline t =
        l.timeline(List.of(new Phase("only", Duration.ofMillis(200), Backend.HEALTHY)));
    assertThat(t.slots().get(0)).isEqualTo(new Slot(2, 1, 1, 0, 0.25));
    // Failed at the backend counts the backend's answers only; the chart draws the rest.
    assertThat(t.slots().get(1).failed()).isEqualTo(1);
    assertThat(t.slots().get(1).probability()).isNaN();
  }

  @Test
  void theTallyMatchesEveryRequestAgainstTheServersReceipts() {
    Ledger l = new Ledger(1, 6);
    Receipts server = new Receipts(6);
    for (int i = 0; i < 6; i++) {
      l.offer(0);
    }
    l.done(0, 0, OK, 1);
    server.mark(0);
    l.done(1, 0, Lane.Outcome.BACKEND, 1);
    server.mark(1);
    l.done(2, 0, Lane.Outcome.REFUSED, 1); // never reached the server
    l.done(3, 0, Lane.Outcome.TIMEOUT, 1); // reached it, the answer came too late
    server.mark(3);
    l.done(4, 0, Lane.Outcome.REJECTED, 0);
    // 5 is still in flight, and reached the server.
    server.mark(5);

    Ledger.Tally t = l.tally(server);
    assertThat(t.offered()).isEqualTo(6);
    assertThat(t.received()).isEqualTo(4);
    assertThat(t.sent()).isEqualTo(5);
    assertThat(t.lost()).isEqualTo(1);
    assertThat(t.lost(Lane.Outcome.REFUSED)).isEqualTo(1);
    assertThat(t.reached(Lane.Outcome.TIMEOUT)).isEqualTo(1);
    assertThat(t.reached(Lane.Outcome.UNANSWERED)).isEqualTo(1);
    assertThat(t.answeredUnreceived()).isZero();
    assertThat(t.balanced()).isTrue();

    // A rejected request that reached the server breaks the proof.
    server.mark(4);
    Ledger.Tally broken = l.tally(server);
    assertThat(broken.reached(Lane.Outcome.REJECTED)).isEqualTo(1);
    assertThat(broken.received() + broken.lost() + broken.count(Lane.Outcome.REJECTED))
        .isEqualTo(7);
    assertThat(broken.balanced()).isFalse();
  }

  @Test
  void aRequestEndsOnceAndAsAnEnd() {
    Ledger l = new Ledger(1, 1);
    int id = l.offer(0);
    assertThatThrownBy(() -> l.done(id, 0, Lane.Outcome.UNANSWERED, 0))
        .hasMessage("outcome must be an end, was UNANSWERED");
    l.done(id, 0, OK, 0);
    assertThatThrownBy(() -> l.done(id, 0, OK, 0)).hasMessage("request 0 ended twice");
    assertThatThrownBy(() -> l.offer(0)).hasMessage("ledger full: 1 requests");
  }
}
