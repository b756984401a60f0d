package dev.backstop.drill;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The schedule and its lag against a fake clock: time is whatever the test says it is. */
class PacerTest {

  private static final long MS = 1_000_000L;

  /** Records what a pacer hands out. */
  private static final class Record implements Pacer.Sink {
    final List<long[]> issued = new ArrayList<>();
    final List<Long> missed = new ArrayList<>();

    @Override
    public void issue(long at, long lag) {
      issued.add(new long[] {at, lag});
    }

    @Override
    public void miss(long at) {
      missed.add(at);
    }
  }

  @Test
  void aPunctualPollerSendsEveryArrivalAtItsTimeAndIsToldWhenTheNextIsDue() {
    // 1000 rps for 10 ms: arrivals at 0, 1, ..., 9 ms.
    Pacer pacer = new Pacer(Arrivals.even(), 1000, 20 * MS, 10 * MS);
    Record r = new Record();
    long now = 0;
    long wait;
    while ((wait = pacer.poll(now, r)) >= 0) {
      now += wait;
    }
    assertThat(r.issued).extracting(a -> a[0]).containsExactly(
        0L, MS, 2 * MS, 3 * MS, 4 * MS, 5 * MS, 6 * MS, 7 * MS, 8 * MS, 9 * MS);
    assertThat(r.issued).extracting(a -> a[1]).containsOnly(0L);
    assertThat(r.missed).isEmpty();
    assertThat(pacer.issued()).isEqualTo(10);
    assertThat(pacer.missed()).isZero();
    assertThat(pacer.maxLag()).isZero();
    assertThat(pacer.lags().quantile(1)).isZero();
  }

  @Test
  void aPollAheadOfTheScheduleSendsNothingAndSaysHowLongToWait() {
    Pacer pacer = new Pacer(Arrivals.even(), 100, 20 * MS, 1000 * MS);
    Record r = new Record();
    assertThat(pacer.poll(-3 * MS, r)).isEqualTo(3 * MS);
    assertThat(pacer.poll(0, r)).isEqualTo(10 * MS);
    assertThat(pacer.poll(4 * MS, r)).isEqualTo(6 * MS);
    assertThat(r.issued).hasSize(1);
  }

  @Test
  void aLatePollerSendsWhatIsWithinToleranceWithItsLagAndMissesTheRest() {
    // 1000 rps; the poller stalls from 0 to 50 ms, tolerating 20 ms.
    Pacer pacer = new Pacer(Arrivals.even(), 1000, 20 * MS, 1000 * MS);
    Record r = new Record();
    pacer.poll(0, r);
    assertThat(pacer.poll(50 * MS, r)).isEqualTo(MS);
    // 1..29 ms were more than 20 ms behind: missed, never sent in a burst.
    assertThat(r.missed).hasSize(29).first().isEqualTo(MS);
    assertThat(r.missed).last().isEqualTo(29 * MS);
    // 30..50 ms were at most 20 ms behind: sent now, each with its lag.
    assertThat(r.issued).hasSize(22);
    assertThat(r.issued.get(1)).containsExactly(30 * MS, 20 * MS);
    assertThat(r.issued.get(21)).containsExactly(50 * MS, 0);
    assertThat(pacer.issued()).isEqualTo(22);
    assertThat(pacer.missed()).isEqualTo(29);
    assertThat(pacer.maxLag()).isEqualTo(20 * MS);
    // Back on time: the next arrival goes out alone.
    pacer.poll(51 * MS, r);
    assertThat(r.issued).hasSize(23);
    assertThat(r.issued.get(22)).containsExactly(51 * MS, 0);
  }

  @Test
  void aPollerThatCannotKeepUpOffersOnlyWhatItReaches() {
    // 2000 rps asked for a second; a poller that can only come back every 40 ms, tolerating
    // 20 ms, reaches about half of it: the shortfall is counted, not sent late.
    Pacer pacer = new Pacer(Arrivals.even(), 2000, 20 * MS, 1000 * MS);
    Record r = new Record();
    for (long now = 0; pacer.poll(now, r) >= 0; now += 40 * MS) {}
    assertThat(pacer.issued() + pacer.missed()).isEqualTo(2000);
    // At 0 ms: 1. At 40, 80, ..., 960 ms: the 41 arrivals of the last 20 ms each time. At
    // 1000 ms: the 40 arrivals from 980 ms to the end.
    assertThat(pacer.issued()).isEqualTo(1 + 24 * 41 + 40);
    assertThat(r.issued).allSatisfy(a -> assertThat(a[1]).isBetween(0L, 20 * MS));
  }

  @Test
  void poissonArrivalsFollowTheirSequenceAndCountAsPerSlotSays() {
    Pacer pacer = new Pacer(Arrivals.poisson(7), 500, 20 * MS, 2000 * MS);
    Arrivals.Sequence expected = Arrivals.poisson(7).start(500);
    Record r = new Record();
    long now = 0;
    long wait;
    while ((wait = pacer.poll(now, r)) >= 0) {
      now += wait;
    }
    assertThat(r.missed).isEmpty();
    int[] perSlot = Pacer.perSlot(Arrivals.poisson(7), 500, 100 * MS, 20);
    assertThat(r.issued.size()).isEqualTo(java.util.Arrays.stream(perSlot).sum());
    assertThat(r.issued).filteredOn(a -> a[0] >= 300 * MS && a[0] < 400 * MS)
        .hasSize(perSlot[3]);
    for (long[] a : r.issued) {
      assertThat(a[0]).isEqualTo(expected.next());
    }
    assertThat(expected.next()).isGreaterThanOrEqualTo(2000 * MS);
    assertThat(Pacer.perSlot(Arrivals.even(), 1000, 100 * MS, 3)).containsExactly(100, 100, 100);
    assertThat(Pacer.perSlot(Arrivals.even(), 3, 100 * MS, 10))
        .containsExactly(1, 0, 0, 1, 0, 0, 1, 0, 0, 0);
  }

  @Test
  void aNegativeToleranceIsRefused() {
    assertThatThrownBy(() -> new Pacer(Arrivals.even(), 10, -1, 0))
        .hasMessage("late must be >= 0, was -1");
  }
}
