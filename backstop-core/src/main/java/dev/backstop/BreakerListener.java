package dev.backstop;

/**
 * Receives what the breakers of a {@link Backstop} do, for metrics and logs.
 *
 * <p>Register a listener with {@link Backstop.Builder#listener(BreakerListener)}. The {@code
 * Backstop} then reports every request of every operation, whatever {@link CircuitBreaker} guards
 * it: {@link #allowed}, then exactly one of {@link #success}, {@link #failure} or {@link #ignored}
 * (see the outcome model of {@link CircuitBreaker}), or else {@link #rejected}; so that {@code
 * allowed = success + failure + ignored + in flight}. Breakers that track a state report its
 * changes ({@link SreBreaker} does), and the {@code Backstop} reports an operation's removal from
 * its group. A breaker that has been removed reports nothing more, so a request that outlives its
 * breaker's removal is never counted against the operation's new breaker.
 *
 * <p>Every method has a default that does nothing, so an implementation overrides only what it
 * needs; {@link #NONE} does nothing at all and costs nothing.
 *
 * <p>Methods are called on the thread of the request, in the middle of its hot path: keep them
 * fast and non-blocking. A listener that throws anything, errors included, does not break the
 * request or the breaker: the first exception per operation is logged through {@link
 * System.Logger} and the rest are ignored. Implementations must be thread-safe.
 */
public interface BreakerListener {

  /** The listener that ignores everything. */
  BreakerListener NONE = new BreakerListener() {
    @Override
    public String toString() {
      return "BreakerListener.NONE";
    }
  };

  /** A request was allowed to go ahead. */
  default void allowed(String operation) {}

  /** A request was rejected locally and not sent. */
  default void rejected(String operation) {}

  /** An allowed request was accepted by the backend. */
  default void success(String operation) {}

  /** An allowed request failed at the backend or could not reach it. */
  default void failure(String operation) {}

  /** An allowed request ended without saying anything about the backend (a cancel, say). */
  default void ignored(String operation) {}

  /**
   * The breaker's {@link State} changed. Called once per transition, in order: the states
   * reported for one breaker alternate and the last one is the breaker's state.
   *
   * @param snapshot the breaker's state just after the transition
   */
  default void stateChanged(String operation, Snapshot snapshot) {}

  /**
   * The operation's breaker left its group (idle expiry, size eviction or {@link Group#clear()}),
   * so the listener can forget the operation.
   */
  default void removed(String operation) {}
}
