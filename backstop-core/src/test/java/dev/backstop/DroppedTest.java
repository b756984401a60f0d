package dev.backstop;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The memory of dropped keys on its own. */
class DroppedTest {

  @Test
  void remembersWhatItWasToldForAtLeastOneGeneration() {
    Dropped d = new Dropped(1_000);
    assertThat(d.bits()).isEqualTo(8_192);
    assertThat(d.contains("steady")).isFalse();
    d.add("steady");
    assertThat(d.contains("steady")).isTrue();
    for (int i = 0; i < 999; i++) {
      d.add("once-" + i); // the 1 000th addition starts a new generation
    }
    assertThat(d.contains("steady")).isTrue(); // now in the previous generation
    for (int i = 0; i < 999; i++) {
      d.add("later-" + i);
    }
    assertThat(d.contains("steady")).isTrue();
    d.add("last"); // a third generation starts: the first is forgotten
    assertThat(d.contains("steady")).isFalse();
    assertThat(d.contains("last")).isTrue();
    assertThat(d.contains("later-5")).isTrue();
  }

  @Test
  void rarelyClaimsAKeyItWasNeverTold() {
    Dropped d = new Dropped(1_000);
    for (int i = 0; i < 1_999; i++) {
      d.add("dropped-" + i); // both generations nearly full
    }
    int claimed = 0;
    for (int i = 0; i < 10_000; i++) {
      claimed += d.contains("never-" + i) ? 1 : 0;
    }
    // Two bits of 8 192 per key, 1 000 keys per generation: (1 - e^-0.25)^2, about 5 %, each.
    assertThat(claimed).isLessThan(1_500);
  }

  @Test
  void sizeIsAPowerOfTwoAtLeastEightBitsPerKeyWithinBounds() {
    assertThat(new Dropped(1).bits()).isEqualTo(128);
    assertThat(new Dropped(10_000).bits()).isEqualTo(131_072);
    assertThat(new Dropped(Long.MAX_VALUE).bits()).isEqualTo(1 << 23);
  }
}
