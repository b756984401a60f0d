package dev.backstop;

/**
 * Decides whether a request may go ahead and learns from the outcome of those that did.
 *
 * <p>The contract, for callers: call {@link #allow()} before the request. If it throws {@link
 * NotAllowedException}, do not send the request and call {@link #markRejected()}. If it returns,
 * send the request and then call exactly one of {@link #markSuccess()} or {@link #markFailed()}
 * when its outcome is known. {@link Backstop} and the Backstop integrations follow this contract;
 * code that drives a breaker by hand must follow it too.
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

  /** Records that a request which {@link #allow()} let through failed at the backend. */
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
}
