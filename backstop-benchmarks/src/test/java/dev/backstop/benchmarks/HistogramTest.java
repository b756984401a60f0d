package dev.backstop.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backstop.benchmarks.Histogram.Count;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class HistogramTest {

  private static final String BEFORE =
      " num     #instances         #bytes  class name (module)\n"
          + "-------------------------------------------------------\n"
          + "   1:           100           4000  [B (java.base@17.0.15)\n"
          + "   2:            10            240  java.lang.String (java.base@17.0.15)\n"
          + "   3:             2             32  a.Gone\n"
          + "Total           112           4272\n";

  private static final String AFTER =
      " num     #instances         #bytes  class name (module)\n"
          + "-------------------------------------------------------\n"
          + "   1:           120           4800  [B (java.base@17.0.15)\n"
          + "   2:            30            720  java.lang.String (java.base@17.0.15)\n"
          + "   3:            10            160  a.Twice\n"
          + "   4:            10            160  a.Twice\n"
          + "Total           170           5840\n";

  @Test
  void parsesEveryClassLineAndMergesAClassLoadedTwice() {
    Histogram h = Histogram.parse(AFTER);

    assertThat(h.classes())
        .containsOnlyKeys("[B", "java.lang.String", "a.Twice")
        .containsEntry("a.Twice", new Count("a.Twice", 20, 320));
  }

  @Test
  void sinceGivesWhatAppearedPerOperationLargestFirst() {
    List<Count> grown = Histogram.parse(AFTER).since(Histogram.parse(BEFORE), 10);

    assertThat(grown)
        .containsExactly(
            new Count("[B", 2, 80),
            new Count("java.lang.String", 2, 48),
            new Count("a.Twice", 2, 32),
            new Count("a.Gone", -0.2, -3.2));
    assertThat(Histogram.total("t", grown)).isEqualTo(new Count("t", 5.8, 156.8));
  }

  @Test
  void minusLeavesOutDifferencesWithinTheThreshold() {
    List<Count> guarded =
        List.of(new Count("x", 3, 48), new Count("y", 1.04, 16), new Count("z", 1, 24));
    List<Count> plain = List.of(new Count("x", 2, 32), new Count("y", 1, 16), new Count("w", 1, 8));

    assertThat(Histogram.minus(guarded, plain, 0.05))
        .containsExactly(new Count("z", 1, 24), new Count("x", 1, 16), new Count("w", -1, -8));
  }

  /** A class only this test makes. */
  private static final class Marker {}

  @Test
  void countsTheLiveObjectsOfTheRunningJvm() {
    Histogram before = Histogram.parse(Histogram.take(false));
    List<Marker> markers = new ArrayList<>();
    for (int i = 0; i < 1_000; i++) {
      markers.add(new Marker());
    }
    Histogram after = Histogram.parse(Histogram.take(false));

    assertThat(after.since(before, markers.size()))
        .filteredOn(c -> c.name().equals(Marker.class.getName()))
        .singleElement()
        .isEqualTo(new Count(Marker.class.getName(), 1, 16));
  }
}
