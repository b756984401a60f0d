package dev.backstop;

/**
 * Decides whether a request may go ahead and learns from the outcome of those that did.
 *
 * <h2>The contract, for callers</h2>
 *
 * <p>Call {@link #allow()} before the request. If it throws {@link NotAllowedException}, do not send
 * the request and call {@link #markRejected()}. If it returns, the request is <em>allowed</em>:
 * send it, and when it ends call exactly one of these, by what its end says about the backend:
 *
 * <ul>
 *   <li>{@link #markSuccess()}: the backend answered acceptably (a response, an application error
 *       such as "not found", anything but trouble of the backend's own);
 *   <li>{@link #markFailed()}: the backend failed (an error status that means trouble, such as 503
 *       or gRPC {@code UNAVAILABLE}) or could not be reached (connection refused or reset, a
 *       timeout while waiting for it);
 *   <li>{@link #markIgnored()}: the end says nothing about the backend, because the client gave up
 *       or never sent the request: the caller cancelled it or was interrupted, its deadline had
 *       passed before it started, the client was shut down, another guard rejected it locally, or
 *       a bug in the client failed it before it left.
 * </ul>
 *
 * <p>Nothing the client does may count as a failure, so that a healthy backend is never shed
 * because of its callers; where an integration cannot tell the two apart, it says so and picks the
 * side that cannot open a breaker on a healthy backend without also hiding a dead one. {@link
 * Backstop} and every Backstop integration follow this contract; code that drives a breaker by hand
 * must follow it too. {@link Outcome} names the three ends.
 *
 * <p>Implementations are thread-safe: every method may be called from any thread at any time.
 */
public interface CircuitBreaker {

  /**
   * Returns normally if a request may go ahead now.
   *
   * @throws NotAllowedException if the request must be rejected locally without being sent
   */
  void allow();

  /** Records that a request which {@link #allow()} let through was accepted by the backend. */
  void markSuccess();

  /**
   * Records that a request which {@link #allow()} let through failed at the backend or could not
   * reach it.
   */
  void markFailed();

  /**
   * Records that {@link #allow()} rejected a request, which was therefore not sent.
   *
   * <p>The default counts the rejection as a failure, as the original SRE design does, so that a
   * breaker which implements only the three methods above keeps its original behaviour. {@link
   * SreBreaker} overrides it to tell local rejections apart from backend failures.
   */
  default void markRejected() {
    markFailed();
  }

  /**
   * Records that a request which {@link #allow()} let through ended without saying anything about
   * the backend: cancelled or abandoned by the client, or never sent. The default does nothing,
   * which is right for any breaker that learns only from the backend's answers.
   */
  default void markIgnored() {}

  /**
   * Returns what the breaker knows now, for monitoring, or {@code null} if it does not report
   * snapshots. The default returns {@code null}; {@link SreBreaker} returns its window's counts.
   * Called from monitoring threads, never on the request path.
   */
  default Snapshot snapshot() {
    return null;
  }
}
