package dev.backstop.reactor;

import dev.backstop.CircuitBreaker;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoOperator;

/** A {@link Mono} whose subscriptions are guarded by a {@link BackstopOperator}. */
final class GuardedMono<T> extends MonoOperator<T, T> {

  private final BackstopOperator<T> operator;

  GuardedMono(Mono<? extends T> source, BackstopOperator<T> operator) {
    super(source);
    this.operator = operator;
  }

  @Override
  public void subscribe(CoreSubscriber<? super T> actual) {
    CircuitBreaker breaker = operator.allow(actual);
    if (breaker != null) {
      GuardedSubscriber.subscribe(source, actual, breaker, operator.failureWhen(), true);
    }
  }

  @Override
  public Object scanUnsafe(Attr key) {
    if (key == Attr.RUN_STYLE) {
      return Attr.RunStyle.SYNC;
    }
    return super.scanUnsafe(key);
  }
}
