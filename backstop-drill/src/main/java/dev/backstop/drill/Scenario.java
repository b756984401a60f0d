package dev.backstop.drill;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * What happens to the backend over a run: a named sequence of {@link Phase}s.
 *
 * <p>The four standard scenarios are {@link #outage()}, {@link #overload(double)}, {@link
 * #flaky(double)} and {@link #healthy()}; any other sequence can be built with the constructor.
 * Values are immutable and thread-safe.
 *
 * @param name the scenario's name, such as {@code "outage"}
 * @param phases the phases in order, at least one; the first starts at time 0
 */
public record Scenario(String name, List<Phase> phases) {

  /** Checks the values and copies the list. */
  public Scenario {
    Objects.requireNonNull(name, "name");
    if (name.isBlank()) {
      throw new IllegalArgumentException("name must not be blank, was '" + name + "'");
    }
    phases = List.copyOf(phases);
    if (phases.isEmpty()) {
      throw new IllegalArgumentException("phases must not be empty, was " + phases);
    }
  }

  /**
   * The backend dies and comes back: healthy for 10 s ({@code "healthy"}), failing every request
   * for 10 s ({@code "dead"}), healthy again for 60 s ({@code "healed"}).
   */
  public static Scenario outage() {
    return new Scenario(
        "outage",
        List.of(
            new Phase("healthy", Duration.ofSeconds(10), Backend.HEALTHY),
            new Phase("dead", Duration.ofSeconds(10), Backend.DEAD),
            new Phase("healed", Duration.ofSeconds(60), Backend.HEALTHY)));
  }

  /**
   * The backend drowns: for 60 s ({@code "overload"}) it serves at most {@code capacity} requests
   * per second and fails the rest; see {@link Backend#capacity(double)}.
   */
  public static Scenario overload(double capacity) {
    return new Scenario(
        "overload",
        List.of(new Phase("overload", Duration.ofSeconds(60), Backend.capacity(capacity))));
  }

  /**
   * The backend flickers: for 60 s ({@code "flaky"}) it fails each request with probability
   * {@code fail}; see {@link Backend#flaky(double)}.
   */
  public static Scenario flaky(double fail) {
    return new Scenario(
        "flaky", List.of(new Phase("flaky", Duration.ofSeconds(60), Backend.flaky(fail))));
  }

  /** Nothing goes wrong: the backend accepts every request for 60 s ({@code "healthy"}). */
  public static Scenario healthy() {
    return new Scenario(
        "healthy", List.of(new Phase("healthy", Duration.ofSeconds(60), Backend.HEALTHY)));
  }

  /** Returns the total length of the scenario. */
  public Duration duration() {
    Duration total = Duration.ZERO;
    for (Phase phase : phases) {
      total = total.plus(phase.duration());
    }
    return total;
  }
}
