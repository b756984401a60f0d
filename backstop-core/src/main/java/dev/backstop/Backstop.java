package dev.backstop;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Client middleware that guards calls with one circuit breaker per operation.
 *
 * <p>An operation is whatever deserves its own breaker: a gRPC method, an HTTP origin or endpoint,
 * a query name. Breakers live in a bounded {@link Group}, created on first use:
 *
 * <pre>{@code
 * Backstop backstop = Backstop.create();
 * User user = backstop.call("users.get", () -> users.get(id));   // throws what users.get throws
 * }</pre>
 *
 * <p>A rejected call fails at once with {@link NotAllowedException} and never runs. An allowed
 * call ends as a success, a failure or ignored, following the outcome model of {@link
 * CircuitBreaker}. The gRPC, HTTP and other integrations take a {@code Backstop} and use {@link
 * #breaker(String)} for their own calls, so one instance can guard every client of a service.
 *
 * <p>Instances are thread-safe.
 */
public final class Backstop {

  /*
   * How it works. The group holds, per operation, the breaker the factory made, or, when a
   * listener is set, a Reported wrapper around it (made once per operation) that reports every
   * call of the contract, so metrics work for any breaker. call() adds no allocation: the group
   * lookup, allow(), the action, and one mark. A result is checked against ASYNC, a per-class
   * cache of "is this an asynchronous result whose outcome call() cannot see", so misuse is loud.
   */

  /** The rule for actions' exceptions when no failureWhen is given: every one is a failure. */
  private static final Predicate<Throwable> EVERY_EXCEPTION =
      new Predicate<>() {
        @Override
        public boolean test(Throwable t) {
          return true;
        }

        @Override
        public String toString() {
          return "every exception";
        }
      };

  /** Whether instances of a class are results that complete later: futures and publishers. */
  private static final ClassValue<Boolean> ASYNC =
      new ClassValue<>() {
        @Override
        protected Boolean computeValue(Class<?> type) {
          return CompletionStage.class.isAssignableFrom(type)
              || Flow.Publisher.class.isAssignableFrom(type)
              || implementsNamed(type, "org.reactivestreams.Publisher");
        }
      };

  private final Group<CircuitBreaker> group;
  private final Predicate<? super Throwable> failureWhen;

  private Backstop(Group<CircuitBreaker> group, Predicate<? super Throwable> failureWhen) {
    this.group = group;
    this.failureWhen = failureWhen;
  }

  /**
   * Returns a {@code Backstop} of {@link SreBreaker}s with default settings, in a group with
   * default bounds, in which every exception an action throws counts as a failure.
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
   *
   * @throws NullPointerException if {@code operation} is null
   */
  public CircuitBreaker breaker(String operation) {
    return group.get(Objects.requireNonNull(operation, "operation"));
  }

  /**
   * Runs {@code action} if the breaker of {@code operation} allows it, records its outcome and
   * returns its result; it throws exactly what {@code action} throws, plus {@link
   * NotAllowedException}.
   *
   * <p>If the breaker rejects the call, the action does not run, the rejection is recorded with
   * {@link CircuitBreaker#markRejected()} and the breaker's {@link NotAllowedException} is thrown.
   * Otherwise the action runs. A value it returns counts as a success. An exception or error it
   * throws is rethrown unchanged and classified by {@link Outcome#of(Throwable, Predicate)}:
   * ignored if it is or was caused by a local rejection of another guard, an interrupt or a
   * cancellation; otherwise a failure if {@link Builder#failureWhen(Predicate) failureWhen} holds
   * (or throws), else a success.
   *
   * <p>The action must finish its work before it returns: an action that returns a {@link
   * CompletionStage} or a reactive publisher (whose outcome comes later) is refused with an {@link
   * IllegalStateException} after it returns, and its call is recorded as ignored. Use {@link
   * #callAsync} for those.
   *
   * @throws NotAllowedException if the breaker rejects the call
   * @throws E whatever {@code action} throws
   */
  public <T, E extends Throwable> T call(String operation, Action<T, E> action) throws E {
    Objects.requireNonNull(action, "action");
    CircuitBreaker breaker = allowed(operation);
    T result;
    try {
      result = action.call();
    } catch (Throwable t) {
      Outcome.of(t, failureWhen).record(breaker);
      throw t;
    }
    if (result != null && ASYNC.get(result.getClass())) {
      breaker.markIgnored();
      throw new IllegalStateException(
          "action of call(\""
              + operation
              + "\", ...) returned "
              + result.getClass().getName()
              + ", whose outcome comes later; use callAsync, or the reactor integration for a"
              + " publisher");
    }
    breaker.markSuccess();
    return result;
  }

  /**
   * Runs {@code action} if the breaker of {@code operation} allows it, and records its outcome;
   * {@link #call(String, Action)} for an action that returns nothing.
   *
   * @throws NotAllowedException if the breaker rejects the call
   * @throws E whatever {@code action} throws
   */
  public <E extends Throwable> void run(String operation, Task<E> action) throws E {
    Objects.requireNonNull(action, "action");
    CircuitBreaker breaker = allowed(operation);
    try {
      action.run();
    } catch (Throwable t) {
      Outcome.of(t, failureWhen).record(breaker);
      throw t;
    }
    breaker.markSuccess();
  }

  /**
   * Starts the asynchronous {@code action} if the breaker of {@code operation} allows it, and
   * records its outcome when the stage it returns completes.
   *
   * <p>If the breaker rejects the call, {@code action} is not called, the rejection is recorded
   * and the returned future is already completed exceptionally with the breaker's {@link
   * NotAllowedException}. Otherwise the returned future completes as the action's stage does,
   * just after the outcome is recorded: a value is a success; an exception is classified like
   * those of {@link #call(String, Action)}, with {@link java.util.concurrent.CompletionException}
   * wrappers removed. Cancelling the returned future records the call as ignored and cancels the
   * action's stage too, where {@link CompletionStage#toCompletableFuture()} supports it (with
   * {@code mayInterruptIfRunning} as given).
   *
   * <p>If {@code action} throws or returns {@code null}, nothing was sent: the call is recorded
   * as ignored and the returned future fails with that exception, or with a {@link
   * NullPointerException} that names the operation.
   *
   * @throws NullPointerException if {@code operation} or {@code action} is null
   */
  public <T> CompletableFuture<T> callAsync(
      String operation, Supplier<? extends CompletionStage<T>> action) {
    Objects.requireNonNull(action, "action");
    CircuitBreaker breaker;
    try {
      breaker = allowed(operation);
    } catch (NotAllowedException rejected) {
      return CompletableFuture.failedFuture(rejected);
    }
    CompletionStage<T> stage;
    try {
      stage = action.get();
    } catch (Throwable t) {
      breaker.markIgnored();
      return CompletableFuture.failedFuture(t);
    }
    if (stage == null) {
      breaker.markIgnored();
      return CompletableFuture.failedFuture(
          new NullPointerException(
              "action of callAsync(\"" + operation + "\", ...) returned null, not a stage"));
    }
    AsyncCall<T> call = new AsyncCall<>(breaker, failureWhen, stage);
    stage.whenComplete(call);
    return call;
  }

  /** Asks the breaker of {@code operation}; records and rethrows a rejection. */
  private CircuitBreaker allowed(String operation) {
    CircuitBreaker breaker = breaker(operation);
    try {
      breaker.allow();
    } catch (NotAllowedException rejected) {
      breaker.markRejected();
      throw rejected;
    }
    return breaker;
  }

  /**
   * Returns, for monitoring, the operations held now whose breakers report a {@link
   * CircuitBreaker#snapshot() snapshot}, and each one's snapshot, in no particular order. The map
   * is a copy; reading it creates no breaker and does not count as use.
   */
  public Map<String, Snapshot> snapshots() {
    Map<String, Snapshot> snapshots = new LinkedHashMap<>();
    group.forEach(
        (operation, breaker) -> {
          Snapshot s = breaker.snapshot();
          if (s != null) {
            snapshots.put(operation, s);
          }
        });
    return Collections.unmodifiableMap(snapshots);
  }

  /**
   * Returns the snapshot of {@code operation}'s breaker, or {@code null} if the group holds no
   * breaker for it or its breaker reports no snapshot. Creates nothing and does not count as use.
   */
  public Snapshot snapshot(String operation) {
    CircuitBreaker breaker = group.getIfPresent(Objects.requireNonNull(operation, "operation"));
    return breaker == null ? null : breaker.snapshot();
  }

  /**
   * Returns whether the group holds a breaker for {@code operation} now. Creates nothing and does
   * not count as use.
   */
  public boolean contains(String operation) {
    return group.getIfPresent(Objects.requireNonNull(operation, "operation")) != null;
  }

  /** Returns the number of operations whose breakers the group holds now. */
  public long size() {
    return group.size();
  }

  @Override
  public String toString() {
    return "Backstop(" + group + ")";
  }

  private static boolean implementsNamed(Class<?> type, String name) {
    for (Class<?> c = type; c != null; c = c.getSuperclass()) {
      for (Class<?> i : c.getInterfaces()) {
        if (i.getName().equals(name) || implementsNamed(i, name)) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * An action for {@link #call(String, Action)}: returns a value or throws {@code E}, so that
   * {@code call} throws exactly what the action does.
   *
   * @param <T> the type of the result
   * @param <E> the type of exception the action may throw
   */
  @FunctionalInterface
  public interface Action<T, E extends Throwable> {
    /** Does the work and returns its result. */
    T call() throws E;
  }

  /**
   * An action for {@link #run(String, Task)}: returns nothing or throws {@code E}, so that {@code
   * run} throws exactly what the action does.
   *
   * @param <E> the type of exception the action may throw
   */
  @FunctionalInterface
  public interface Task<E extends Throwable> {
    /** Does the work. */
    void run() throws E;
  }

  /**
   * Configures a {@link Backstop}. Each option is checked when it is set and {@link #build()} does
   * not change the builder. Not thread-safe.
   */
  public static final class Builder {
    private Function<? super String, ? extends CircuitBreaker> breakers;
    private Long maximumSize;
    private Duration expireAfterAccess;
    private Predicate<? super Throwable> failureWhen = EVERY_EXCEPTION;
    private BreakerListener listener = BreakerListener.NONE;
    private Ticker ticker = Ticker.system();

    private Builder() {}

    /**
     * Makes the breaker of each operation, on its first use, from the operation's name: replaces
     * the algorithm or its settings. It must return a new breaker for each call. By default, an
     * {@link SreBreaker} with default settings named after the operation, reading the {@link
     * #ticker(Ticker) ticker}.
     *
     * <pre>{@code
     * Backstop.builder()
     *     .breakers(op -> SreBreaker.builder().name(op).success(0.5).build())
     *     .build();
     * }</pre>
     */
    public Builder breakers(Function<? super String, ? extends CircuitBreaker> breakers) {
      this.breakers = Objects.requireNonNull(breakers, "breakers");
      return this;
    }

    /**
     * The most operations whose breakers are held at once, >= 1; the least recently used are
     * dropped beyond it. Keys can come from request data, so the bound keeps memory bounded; the
     * default is {@link Group.Builder#maximumSize(long) the group's}.
     */
    public Builder maximumSize(long maximumSize) {
      this.maximumSize = Group.Builder.checkMaximumSize(maximumSize);
      return this;
    }

    /**
     * How long an operation's breaker may go unused before it is dropped, > 0; the default is
     * {@link Group.Builder#expireAfterAccess(Duration) the group's}. A dropped breaker had nothing
     * left to remember if this is longer than its window.
     */
    public Builder expireAfterAccess(Duration expireAfterAccess) {
      this.expireAfterAccess = Durations.positive("expireAfterAccess", expireAfterAccess);
      return this;
    }

    /**
     * Which exceptions thrown by actions of {@link Backstop#call}, {@link Backstop#run} and {@link
     * Backstop#callAsync} count as failures of the backend; the others count as successes, except
     * those that are always ignored (see {@link Backstop#call}). By default every exception does.
     * If the predicate throws, the call counts as a failure and the action's own exception still
     * reaches the caller. Each integration classifies its own outcomes (status codes, responses)
     * with an option of its own builder.
     */
    public Builder failureWhen(Predicate<? super Throwable> failureWhen) {
      this.failureWhen = Objects.requireNonNull(failureWhen, "failureWhen");
      return this;
    }

    /**
     * Receives what every operation's breaker does: each call, whatever {@link CircuitBreaker}
     * guards it, the state changes of every {@link SreBreaker} (unless its factory gave it a
     * listener of its own), and the removal of operations from the group. {@link BreakerListener#NONE}
     * by default.
     */
    public Builder listener(BreakerListener listener) {
      this.listener = Objects.requireNonNull(listener, "listener");
      return this;
    }

    /**
     * The source of time of the group's expiry and of the default breakers; {@link
     * Ticker#system()} by default. Breakers made by {@link #breakers(Function) a factory of your
     * own} read the ticker their factory gives them.
     */
    public Builder ticker(Ticker ticker) {
      this.ticker = Objects.requireNonNull(ticker, "ticker");
      return this;
    }

    /** Builds the {@code Backstop}. */
    public Backstop build() {
      BreakerListener l = listener;
      Ticker t = ticker;
      Function<? super String, ? extends CircuitBreaker> make = breakers;
      Group.Builder<CircuitBreaker> group =
          Group.builder(
              operation -> {
                CircuitBreaker breaker =
                    make == null
                        ? SreBreaker.builder().name(operation).ticker(t).build()
                        : make.apply(operation);
                if (breaker == null) {
                  throw new NullPointerException(
                      "breakers returned null for operation " + operation);
                }
                if (l == BreakerListener.NONE) {
                  return breaker;
                }
                Notifier notifier = new Notifier(l, operation);
                if (breaker instanceof SreBreaker sre) {
                  sre.reportTo(notifier);
                }
                return new Reported(breaker, notifier);
              });
      group.ticker(t);
      if (maximumSize != null) {
        group.maximumSize(maximumSize);
      }
      if (expireAfterAccess != null) {
        group.expireAfterAccess(expireAfterAccess);
      }
      if (l != BreakerListener.NONE) {
        group.onRemoval(
            (operation, breaker) -> {
              if (breaker instanceof Reported r) {
                r.removed();
              }
            });
      }
      return new Backstop(group.build(), failureWhen);
    }
  }
}
