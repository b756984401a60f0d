package dev.backstop;

/**
 * A breaker of a {@link Backstop} with a listener: passes every call to the breaker it wraps and
 * reports it, so that metrics work the same for any {@link CircuitBreaker}. One per operation,
 * made when the operation's breaker is; it adds no allocation to a request.
 */
final class Reported implements CircuitBreaker {

  private final CircuitBreaker breaker;
  private final Notifier notifier;

  Reported(CircuitBreaker breaker, Notifier notifier) {
    this.breaker = breaker;
    this.notifier = notifier;
  }

  @Override
  public void allow() {
    try {
      breaker.allow();
    } catch (NotAllowedException e) {
      notifier.rejected();
      throw e;
    }
    notifier.allowed();
  }

  @Override
  public void markSuccess() {
    breaker.markSuccess();
    notifier.success();
  }

  @Override
  public void markFailed() {
    breaker.markFailed();
    notifier.failure();
  }

  @Override
  public void markRejected() {
    breaker.markRejected();
  }

  @Override
  public void markIgnored() {
    breaker.markIgnored();
    notifier.ignored();
  }

  @Override
  public Snapshot snapshot() {
    return breaker.snapshot();
  }

  /** Stops reporting and reports the removal: the group dropped this operation. */
  void removed() {
    notifier.close();
  }

  @Override
  public String toString() {
    return breaker.toString();
  }
}
