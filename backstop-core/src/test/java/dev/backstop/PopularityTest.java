package dev.backstop;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The popularity sketch on its own. */
class PopularityTest {

  @Test
  void countsUsesUpToFifteen() {
    Popularity p = new Popularity(1_000);
    assertThat(p.count("a")).isZero();
    for (int i = 0; i < 5; i++) {
      p.add("a");
    }
    assertThat(p.count("a")).isEqualTo(5);
    for (int i = 0; i < 100; i++) {
      p.add("a");
    }
    assertThat(p.count("a")).isEqualTo(15);
  }

  @Test
  void collisionsOnlyOverstateAndRarelyAtThat() {
    Popularity p = new Popularity(1_000);
    for (int i = 0; i < 1_000; i++) {
      p.add("key-" + i);
    }
    int overstated = 0;
    for (int i = 0; i < 1_000; i++) {
      int count = p.count("key-" + i);
      assertThat(count).isGreaterThanOrEqualTo(1);
      overstated += count > 1 ? 1 : 0;
    }
    // 1 000 keys in rows of 1 024 counters: a counter is shared with probability about
    // 1 - e^-1 = 63 %, so a key is overstated when all four are, about 16 % of keys; never
    // understated.
    assertThat(overstated).isBetween(80, 250);
  }

  @Test
  void countsAreHalvedEveryTenWidthsOfAdditions() {
    Popularity p = new Popularity(16);
    assertThat(p.width()).isEqualTo(16);
    for (int i = 0; i < 8; i++) {
      p.add("steady");
    }
    // 160 additions trigger a halving: 8 + 151 more of other keys reach it.
    for (int i = 0; i < 151; i++) {
      p.add("other-" + (i % 3));
    }
    assertThat(p.count("steady")).isEqualTo(8);
    p.add("other-0");
    assertThat(p.count("steady")).isEqualTo(4);
  }

  @Test
  void widthIsAPowerOfTwoAtLeastTheMaximumSizeWithinBounds() {
    assertThat(new Popularity(1).width()).isEqualTo(16);
    assertThat(new Popularity(1_000).width()).isEqualTo(1_024);
    assertThat(new Popularity(10_000).width()).isEqualTo(16_384);
    assertThat(new Popularity(Long.MAX_VALUE).width()).isEqualTo(1 << 20);
  }
}
