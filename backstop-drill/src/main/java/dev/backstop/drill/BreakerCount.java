package dev.backstop.drill;

import dev.backstop.BreakerListener;
import java.util.concurrent.atomic.LongAdder;

/**
 * What a live lane's breakers were told, counted through their {@link BreakerListener}: the
 * breaker's own view of the run, to hold the drill's classification of each request against.
 * Thread-safe.
 */
final class BreakerCount implements BreakerListener {
  private final LongAdder allowed = new LongAdder();
  private final LongAdder rejected = new LongAdder();
  private final LongAdder success = new LongAdder();
  private final LongAdder failure = new LongAdder();
  private final LongAdder ignored = new LongAdder();

  @Override
  public void allowed(String operation) {
    allowed.increment();
  }

  @Override
  public void rejected(String operation) {
    rejected.increment();
  }

  @Override
  public void success(String operation) {
    success.increment();
  }

  @Override
  public void failure(String operation) {
    failure.increment();
  }

  @Override
  public void ignored(String operation) {
    ignored.increment();
  }

  /** The counts as they stand. */
  Counts counts() {
    return new Counts(
        allowed.sum(), rejected.sum(), success.sum(), failure.sum(), ignored.sum());
  }

  /** The breaker's counts: allowed = success + failure + ignored + in flight. */
  record Counts(long allowed, long rejected, long success, long failure, long ignored) {}
}
