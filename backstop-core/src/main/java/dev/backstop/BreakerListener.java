package dev.backstop;

/**
 * Receives what a breaker does, for metrics and logs.
 *
 * <p>Every method has a default that does nothing, so an implementation overrides only what it
 * needs; {@link #NONE} does nothing at all and costs nothing. Register a listener with {@link
 * Backstop.Builder#listener(BreakerListener)}, so that every breaker of the group reports under
 * its operation name, or with {@link SreBreaker.Builder#listener(BreakerListener)} for a breaker
 * used on its own.
 *
 * <p>Methods are called on the thread of the request, in the middle of the breaker's hot path:
 * keep them fast and non-blocking. A listener that throws does not break the call or the breaker:
 * the exception is logged once through {@link System.Logger} and otherwise ignored.
 * Implementations must be thread-safe.
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

  /**
   * A request was rejected locally.
   *
   * @param probability the rejection probability in force when the request was rejected
   */
  default void rejected(String operation, double probability) {}

  /** An allowed request was accepted by the backend. */
  default void success(String operation) {}

  /** An allowed request failed at the backend. */
  default void failure(String operation) {}

  /**
   * The breaker's {@link State} changed. Called once per transition, by the thread that saw it.
   *
   * @param snapshot the breaker's state just after the transition
   */
  default void stateChanged(String operation, Snapshot snapshot) {}

  /**
   * The operation's breaker left its group (idle expiry, size eviction or {@link Group#clear()}),
   * so the listener can forget the operation. Reported only for groups that {@link Backstop}
   * builds itself.
   */
  default void removed(String operation) {}
}
