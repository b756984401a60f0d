package dev.backstop.drill;

import java.time.Duration;
import java.util.Objects;

/**
 * A stretch of a {@link Scenario} during which the backend behaves one way. Values are immutable
 * and thread-safe.
 *
 * @param name a short label for tables and charts, such as {@code "dead"}
 * @param duration how long the phase lasts, a positive multiple of {@link Timeline#SLOT} (100 ms)
 * @param backend how the backend answers during the phase
 */
public record Phase(String name, Duration duration, Backend backend) {

  /** Checks the values. */
  public Phase {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(duration, "duration");
    Objects.requireNonNull(backend, "backend");
    if (name.isBlank()) {
      throw new IllegalArgumentException("name must not be blank, was '" + name + "'");
    }
    long slot = Timeline.SLOT.toNanos();
    if (duration.isNegative()
        || duration.isZero()
        || duration.compareTo(Duration.ofDays(1)) > 0
        || duration.toNanos() % slot != 0) {
      throw new IllegalArgumentException(
          "duration must be a positive multiple of 100 ms, at most a day, was " + duration);
    }
  }

  /** Returns the number of {@link Timeline#SLOT slots} the phase spans. */
  public int slots() {
    return (int) (duration.toNanos() / Timeline.SLOT.toNanos());
  }
}
