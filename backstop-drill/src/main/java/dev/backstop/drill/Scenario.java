package dev.backstop.drill;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * What happens to the backend over a run: a named sequence of {@link Phase}s, and how many
 * clients, each with its own breaker, share it.
 *
 * <p>The static methods build the scenarios of the {@link Sweep}; any other sequence can be built
 * with the constructor. Values are immutable and thread-safe.
 *
 * @param name the scenario's name, such as {@code "outage"}
 * @param phases the phases in order, at least one; the first starts at time 0
 * @param clients how many clients share the backend, each with its own breaker, in [1, 1000];
 *     the offered rate is split evenly between them
 */
public record Scenario(String name, List<Phase> phases, int clients) {

  /** How long a slow backend takes to report a success. */
  static final Duration SLOW_SUCCESS = Duration.ofMillis(20);

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
    if (clients < 1 || clients > 1000) {
      throw new IllegalArgumentException("clients must be in [1, 1000], was " + clients);
    }
  }

  /** A scenario with one client. */
  public Scenario(String name, List<Phase> phases) {
    this(name, phases, 1);
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
   * The {@link #outage()} of a backend that answers late: successes arrive 20 ms after the
   * request, failures {@code failure} after it (a timeout), so for that long after the backend
   * dies the client learns nothing.
   *
   * @param failure how long a failure takes to report, >= 0
   */
  public static Scenario slowOutage(Duration failure) {
    List<Phase> phases = new ArrayList<>();
    for (Phase p : outage().phases()) {
      phases.add(
          new Phase(p.name(), p.duration(), Backend.slow(p.backend(), SLOW_SUCCESS, failure)));
    }
    return new Scenario("slow-outage " + Report.duration(failure), phases);
  }

  /**
   * The backend dies and comes back every two seconds: healthy for 10 s, then 15 times dead for
   * 2 s ({@code "dead"}) and healthy for 2 s ({@code "up"}), then healthy for 20 s ({@code
   * "healed"}).
   */
  public static Scenario flapping() {
    List<Phase> phases = new ArrayList<>();
    phases.add(new Phase("healthy", Duration.ofSeconds(10), Backend.HEALTHY));
    for (int i = 0; i < 15; i++) {
      phases.add(new Phase("dead", Duration.ofSeconds(2), Backend.DEAD));
      phases.add(new Phase("up", Duration.ofSeconds(2), Backend.HEALTHY));
    }
    phases.add(new Phase("healed", Duration.ofSeconds(20), Backend.HEALTHY));
    return new Scenario("flapping", phases);
  }

  /**
   * The backend fails gradually: healthy for 10 s, then the share of requests failing rises from
   * 0 to 100 % over 20 s ({@code "rising"}), every request fails for 10 s ({@code "dead"}), the
   * share falls back to 0 over 20 s ({@code "falling"}) and the backend is healthy for 30 s
   * ({@code "healed"}).
   */
  public static Scenario ramp() {
    return new Scenario(
        "ramp",
        List.of(
            new Phase("healthy", Duration.ofSeconds(10), Backend.HEALTHY),
            new Phase("rising", Duration.ofSeconds(20), Backend.ramp(0, 1)),
            new Phase("dead", Duration.ofSeconds(10), Backend.DEAD),
            new Phase("falling", Duration.ofSeconds(20), Backend.ramp(1, 0)),
            new Phase("healed", Duration.ofSeconds(30), Backend.HEALTHY)));
  }

  /**
   * Most requests fail for a while: healthy for 10 s, 90 % of requests failing at random for 10 s
   * ({@code "partial"}), healthy again for 60 s ({@code "healed"}). The backend still accepts a
   * few requests throughout.
   */
  public static Scenario partialOutage() {
    return new Scenario(
        "partial-outage",
        List.of(
            new Phase("healthy", Duration.ofSeconds(10), Backend.HEALTHY),
            new Phase("partial", Duration.ofSeconds(10), Backend.flaky(0.9)),
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
   * A severe overload: the {@link #overload(double)} at a capacity of {@code share} of the
   * offered rate {@code rps}, named after the share, such as {@code "brownout 1 %"}.
   *
   * @param share the capacity as a share of the offered rate, in (0, 1]
   */
  public static Scenario brownout(double share, double rps) {
    if (!(share > 0 && share <= 1)) {
      throw new IllegalArgumentException("share must be in (0, 1], was " + share);
    }
    return new Scenario(
        "brownout " + Report.number(share * 100) + " %",
        overload(share * rps).phases());
  }

  /**
   * The backend has a quota: for 60 s ({@code "quota"}) the first {@code perSecond} requests of
   * each second succeed and the rest fail; see {@link Backend#quota(double)}.
   */
  public static Scenario quota(double perSecond) {
    return new Scenario(
        "quota", List.of(new Phase("quota", Duration.ofSeconds(60), Backend.quota(perSecond))));
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

  /**
   * Returns {@code scenario} played by {@code clients} clients that share the backend, each with
   * its own breaker and an equal share of the offered rate, named {@code "fleet " + name}.
   */
  public static Scenario fleet(int clients, Scenario scenario) {
    return new Scenario("fleet " + scenario.name(), scenario.phases(), clients);
  }

  /** Returns the total length of the scenario. */
  public Duration duration() {
    Duration total = Duration.ZERO;
    for (Phase phase : phases) {
      total = total.plus(phase.duration());
    }
    return total;
  }

  @Override
  public String toString() {
    return String.format(
        Locale.ROOT,
        "%s (%s%s)",
        name,
        Report.duration(duration()),
        clients == 1 ? "" : ", " + clients + " clients");
  }
}
