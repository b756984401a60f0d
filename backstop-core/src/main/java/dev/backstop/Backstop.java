package dev.backstop;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.function.Predicate;

/**
 * Client middleware that guards calls with one circuit breaker per operation.
 *
 * <p>An operation is whatever deserves its own breaker: a gRPC method, an HTTP origin or endpoint,
 * a query name. Breakers live in a bounded {@link Group}, created on first use:
 *
 * <pre>{@code
 * Backstop backstop = Backstop.create();
 * User user = backstop.call("users.get", () -> users.get(id));
 * }</pre>
 *
 * <p>A rejected call fails at once with {@link NotAllowedException} and never runs. The gRPC, JDK
 * {@code HttpClient} and OkHttp integrations take a {@code Backstop} and use {@link
 * #breaker(String)} for their own calls, so one instance can guard every client of a service.
 *
 * <p>Instances are thread-safe.
 */
public final class Backstop {

  private final Group<? extends CircuitBreaker> group;
  private final Predicate<? super Throwable> failureWhen;

  private Backstop(Group<? extends CircuitBreaker> group, Predicate<? super Throwable> failureWhen) {
    this.group = group;
    this.failureWhen = failureWhen;
  }

  /**
   * Returns a {@code Backstop} with a new group of {@link SreBreaker}s with default settings, in
   * which every exception a call throws counts as a failure.
   */
  public static Backstop create() {
    return builder().build();
  }

  /** Returns a builder with the defaults of {@link #create()}. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Returns the breaker of {@code operation}, creating it on first use. Integrations call it once
   * per request and follow the contract of {@link CircuitBreaker}.
   */
  public CircuitBreaker breaker(String operation) {
    return group.get(operation);
  }

  /**
   * Runs {@code action} if the breaker of {@code operation} allows it, and records its outcome.
   *
   * <p>If the breaker rejects the call, the action does not run, the rejection is recorded with
   * {@link CircuitBreaker#markRejected()} and the breaker's {@link NotAllowedException} is thrown.
   * Otherwise the action runs: a value it returns counts as a success; an exception or error it
   * throws is rethrown unchanged and counts as a failure if the {@link
   * Builder#failureWhen(Predicate) failureWhen} predicate says so, else as a success.
   *
   * @throws NotAllowedException if the breaker rejects the call
   * @throws Exception whatever {@code action} throws
   */
  public <T> T call(String operation, Callable<T> action) throws Exception {
    Objects.requireNonNull(action, "action");
    CircuitBreaker breaker = group.get(operation);
    try {
      breaker.allow();
    } catch (NotAllowedException rejected) {
      breaker.markRejected();
      throw rejected;
    }
    T result;
    try {
      result = action.call();
    } catch (Throwable t) {
      boolean failed = true;
      try {
        failed = failureWhen.test(t);
      } finally {
        if (failed) {
          breaker.markFailed();
        } else {
          breaker.markSuccess();
        }
      }
      throw t;
    }
    breaker.markSuccess();
    return result;
  }

  /**
   * Returns, for monitoring, the operations whose breakers are {@link SreBreaker}s held now and
   * each one's snapshot, in no particular order. The map is a copy; reading it creates no breaker
   * and does not count as use.
   */
  public Map<String, Snapshot> snapshots() {
    Map<String, Snapshot> snapshots = new LinkedHashMap<>();
    group.forEach(
        (operation, breaker) -> {
          if (breaker instanceof SreBreaker) {
            snapshots.put(operation, ((SreBreaker) breaker).snapshot());
          }
        });
    return Collections.unmodifiableMap(snapshots);
  }

  /**
   * Returns the snapshot of {@code operation}'s breaker, or {@code null} if the group holds no
   * breaker for it or its breaker is not a {@link SreBreaker}. Creates nothing.
   */
  public Snapshot snapshot(String operation) {
    CircuitBreaker breaker = group.getIfPresent(operation);
    return breaker instanceof SreBreaker ? ((SreBreaker) breaker).snapshot() : null;
  }

  /** Returns the number of operations whose breakers the group holds now. */
  public long size() {
    return group.size();
  }

  @Override
  public String toString() {
    return "Backstop(" + group + ")";
  }

  /**
   * Configures a {@link Backstop}. Each option is checked when it is set and {@link #build()} does
   * not change the builder. Not thread-safe.
   */
  public static final class Builder {
    private Group<? extends CircuitBreaker> group;
    private Predicate<? super Throwable> failureWhen = t -> true;
    private BreakerListener listener = BreakerListener.NONE;
    private Ticker ticker;

    private Builder() {}

    /**
     * The breakers to use, one per operation: replaces the algorithm, its settings or the group's
     * bounds. By default, a {@link Group} with default bounds of {@link SreBreaker}s with default
     * settings, each named after its operation.
     */
    public Builder group(Group<? extends CircuitBreaker> group) {
      this.group = Objects.requireNonNull(group, "group");
      return this;
    }

    /**
     * Which exceptions thrown by an action given to {@link Backstop#call} count as failures of the
     * backend; the others count as successes. By default every exception does. It applies to
     * {@code call} only: each integration classifies its own outcomes (status codes, responses)
     * with an option of its own builder.
     */
    public Builder failureWhen(Predicate<? super Throwable> failureWhen) {
      this.failureWhen = Objects.requireNonNull(failureWhen, "failureWhen");
      return this;
    }

    /**
     * Receives the activity of every breaker of the default group, with its operation name,
     * including the removal of idle breakers. A group given to {@link #group(Group)} is built by
     * its owner, who gives its breakers their listener (see {@link
     * SreBreaker.Builder#listener(BreakerListener)}), so the two options do not combine.
     */
    public Builder listener(BreakerListener listener) {
      this.listener = Objects.requireNonNull(listener, "listener");
      return this;
    }

    /**
     * The source of time of the default group and its breakers; {@link Ticker#system()} by
     * default. Like {@link #listener(BreakerListener)}, it does not combine with {@link
     * #group(Group)}, whose owner gives the group and its breakers their ticker.
     */
    public Builder ticker(Ticker ticker) {
      this.ticker = Objects.requireNonNull(ticker, "ticker");
      return this;
    }

    /** Builds the {@code Backstop}. */
    public Backstop build() {
      Group<? extends CircuitBreaker> breakers = group;
      if (breakers == null) {
        BreakerListener l = listener;
        Ticker t = ticker == null ? Ticker.system() : ticker;
        breakers =
            Group.builder(
                    operation -> SreBreaker.builder().name(operation).listener(l).ticker(t).build())
                .ticker(t)
                .onRemoval(
                    (operation, breaker) -> {
                      if (l != BreakerListener.NONE) {
                        new Notifier(l, operation).removed();
                      }
                    })
                .build();
      } else if (listener != BreakerListener.NONE) {
        throw new IllegalArgumentException(
            "listener applies to the default group only, was "
                + listener
                + " with group "
                + group
                + "; give the group's breakers their listener in its factory");
      } else if (ticker != null) {
        throw new IllegalArgumentException(
            "ticker applies to the default group only, was "
                + ticker
                + " with group "
                + group
                + "; give the group and its breakers their ticker");
      }
      return new Backstop(breakers, failureWhen);
    }
  }
}
