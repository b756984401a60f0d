package dev.backstop.drill;

import dev.backstop.CircuitBreaker;
import dev.backstop.NotAllowedException;
import dev.backstop.Ticker;
import java.util.function.LongPredicate;

/**
 * A breaker whose decisions are known in advance: it rejects exactly the requests for which the
 * script, given the nanoseconds since the breaker was made, says so.
 */
class Scripted implements CircuitBreaker {
  private static final NotAllowedException REJECTED = new NotAllowedException("scripted");

  private final Ticker ticker;
  private final long origin;
  private final LongPredicate rejects;

  Scripted(Ticker ticker, LongPredicate rejects) {
    this.ticker = ticker;
    this.origin = ticker.read();
    this.rejects = rejects;
  }

  /** A script that rejects requests in [fromSeconds, toSeconds), given in seconds. */
  static LongPredicate between(double fromSeconds, double toSeconds) {
    long from = Math.round(fromSeconds * 1e9);
    long to = Math.round(toSeconds * 1e9);
    return t -> t >= from && t < to;
  }

  @Override
  public void allow() {
    if (rejects.test(ticker.read() - origin)) {
      throw REJECTED;
    }
  }

  @Override
  public void markSuccess() {}

  @Override
  public void markFailed() {}

  @Override
  public void markRejected() {}
}
