package dev.backstop.drill;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class ArrivalsTest {

  @Test
  void evenArrivalsAreComputedFromTheIndex() {
    Arrivals.Sequence s = Arrivals.even().start(3);
    assertThat(new long[] {s.next(), s.next(), s.next(), s.next()})
        .containsExactly(0, 333_333_333, 666_666_667, 1_000_000_000);
  }

  @Test
  void poissonArrivalsAreReproducibleWithTheMeanRate() {
    Arrivals.Sequence a = Arrivals.poisson(42).start(1000);
    Arrivals.Sequence b = Arrivals.poisson(42).start(1000);
    Arrivals.Sequence c = Arrivals.poisson(43).start(1000);
    long last = 0;
    boolean differs = false;
    for (int i = 0; i < 100_000; i++) {
      long x = a.next();
      assertThat(x).isGreaterThanOrEqualTo(last).isEqualTo(b.next());
      differs |= x != c.next();
      last = x;
    }
    assertThat(differs).isTrue();
    // 100 000 gaps of mean 1 ms: the total is 100 s within a few standard deviations (0.3 %).
    assertThat(last / 1e9).isCloseTo(100, within(1.5));
    assertThat(Arrivals.poisson(42))
        .isEqualTo(Arrivals.poisson(42))
        .hasToString("poisson(seed 42)");
    assertThat(Arrivals.even()).hasToString("even");
  }
}
