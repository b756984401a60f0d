package dev.backstop;

import java.time.Duration;
import java.util.Objects;

/** Validation of the durations that builders take, with one message format everywhere. */
final class Durations {

  /** The longest duration any option takes; longer ones would overflow nanosecond arithmetic. */
  static final Duration MAX = Duration.ofDays(365);

  private Durations() {}

  /** Returns {@code value} if it is in (0, 365 days]; else throws naming {@code name}. */
  static Duration positive(String name, Duration value) {
    Objects.requireNonNull(value, name);
    if (value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(name + " must be > 0, was " + value);
    }
    return atMostMax(name, value);
  }

  /** Returns {@code value} if it is in [0, 365 days]; else throws naming {@code name}. */
  static Duration nonNegative(String name, Duration value) {
    Objects.requireNonNull(value, name);
    if (value.isNegative()) {
      throw new IllegalArgumentException(name + " must be >= 0, was " + value);
    }
    return atMostMax(name, value);
  }

  private static Duration atMostMax(String name, Duration value) {
    if (value.compareTo(MAX) > 0) {
      throw new IllegalArgumentException(name + " must be at most 365 days, was " + value);
    }
    return value;
  }
}
