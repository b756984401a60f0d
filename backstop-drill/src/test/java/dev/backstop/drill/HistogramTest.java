package dev.backstop.drill;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class HistogramTest {

  @Test
  void quantilesAreTheUpperEdgesOfPowerOfTwoMicrosecondBuckets() {
    Histogram h = new Histogram();
    assertThat(h.quantile(0.5)).isZero();
    for (int i = 0; i < 98; i++) {
      h.add(300); // under 1 us
    }
    h.add(1_500_000); // [1024, 2048) us
    h.add(3_000_000); // [2048, 4096) us, the maximum
    assertThat(h.count()).isEqualTo(100);
    assertThat(h.quantile(0.5)).isEqualTo(1_000);
    assertThat(h.quantile(0.98)).isEqualTo(1_000);
    assertThat(h.quantile(0.99)).isEqualTo(2_048_000);
    // The maximum bounds the last bucket's edge.
    assertThat(h.quantile(1)).isEqualTo(3_000_000);
    assertThat(h.max()).isEqualTo(3_000_000);
    h.add(-5);
    assertThat(h.count()).isEqualTo(101);
    assertThatThrownBy(() -> h.quantile(0)).hasMessage("q must be in (0, 1], was 0.0");
  }
}
