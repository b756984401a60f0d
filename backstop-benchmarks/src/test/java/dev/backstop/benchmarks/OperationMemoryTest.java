package dev.backstop.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backstop.benchmarks.Histogram.Count;
import dev.backstop.benchmarks.OperationMemory.Held;
import dev.backstop.benchmarks.OperationMemory.Measurement;
import org.junit.jupiter.api.Test;

class OperationMemoryTest {

  @Test
  void countsTheObjectsEachOperationHoldsAfterEachPhase() throws Exception {
    Measurement m = OperationMemory.measure(2_000);

    assertThat(m.operations()).isEqualTo(2_000);
    assertThat(m.held())
        .extracting(Held::after)
        .containsExactly("one call each", "two threads called each at once");
    for (Held held : m.held()) {
      assertThat(objects(held, "dev.backstop.SreBreaker")).isEqualTo(1.0);
      assertThat(objects(held, "dev.backstop.Group$Entry")).isEqualTo(1.0);
      assertThat(objects(held, "java.util.concurrent.atomic.LongAdder")).isEqualTo(2.0);
      assertThat(held.bytes()).isGreaterThan(bytes(held, "dev.backstop.SreBreaker"));
    }
  }

  private static double bytes(Held held, String name) {
    return held.classes().stream()
        .filter(c -> c.name().equals(name))
        .mapToDouble(Count::bytes)
        .sum();
  }

  private static double objects(Held held, String name) {
    return held.classes().stream()
        .filter(c -> c.name().equals(name))
        .mapToDouble(Count::objects)
        .sum();
  }
}
