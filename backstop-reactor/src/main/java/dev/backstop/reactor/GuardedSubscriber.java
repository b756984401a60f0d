package dev.backstop.reactor;

import dev.backstop.CircuitBreaker;
import dev.backstop.Outcome;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.function.Predicate;
import org.reactivestreams.Subscription;
import reactor.core.CorePublisher;
import reactor.core.CoreSubscriber;
import reactor.core.Scannable;
import reactor.core.publisher.Operators;
import reactor.util.context.Context;

/**
 * Sits between the source and the subscriber of one allowed subscription, passes every signal on
 * unchanged, and records the subscription's outcome exactly once. It is also the {@link
 * Subscription} the subscriber sees, so that a cancel passes through it.
 */
final class GuardedSubscriber<T> implements CoreSubscriber<T>, Subscription, Scannable {

  /** Nothing has happened yet. */
  private static final int PENDING = 0;
  /** A Flux delivered a value: the backend is answering, so a cancel now is a success. */
  private static final int ANSWERED = 1;
  /** The outcome is recorded. */
  private static final int DONE = 2;

  private static final VarHandle STATE;

  static {
    try {
      STATE = MethodHandles.lookup().findVarHandle(GuardedSubscriber.class, "state", int.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final CoreSubscriber<? super T> actual;
  private final CircuitBreaker breaker;
  private final Predicate<? super Throwable> failureWhen;
  private final boolean mono;
  private Subscription upstream;
  private volatile int state;

  private GuardedSubscriber(
      CoreSubscriber<? super T> actual,
      CircuitBreaker breaker,
      Predicate<? super Throwable> failureWhen,
      boolean mono) {
    this.actual = actual;
    this.breaker = breaker;
    this.failureWhen = failureWhen;
    this.mono = mono;
  }

  /** Subscribes {@code actual} to {@code source} through a new guard of an allowed subscription. */
  static <T> void subscribe(
      CorePublisher<? extends T> source,
      CoreSubscriber<? super T> actual,
      CircuitBreaker breaker,
      Predicate<? super Throwable> failureWhen,
      boolean mono) {
    source.subscribe(new GuardedSubscriber<T>(actual, breaker, failureWhen, mono));
  }

  @Override
  public void onSubscribe(Subscription s) {
    if (Operators.validate(upstream, s)) {
      upstream = s;
      actual.onSubscribe(this);
    }
  }

  @Override
  public void onNext(T value) {
    if (state == PENDING) {
      if (mono) {
        if (STATE.compareAndSet(this, PENDING, DONE)) {
          breaker.markSuccess();
        }
      } else {
        STATE.compareAndSet(this, PENDING, ANSWERED);
      }
    }
    actual.onNext(value);
  }

  @Override
  public void onError(Throwable error) {
    if (finish() != DONE) {
      Outcome.of(error, failureWhen).record(breaker);
    }
    actual.onError(error);
  }

  @Override
  public void onComplete() {
    if (finish() != DONE) {
      breaker.markSuccess();
    }
    actual.onComplete();
  }

  @Override
  public void request(long n) {
    upstream.request(n);
  }

  @Override
  public void cancel() {
    int before = finish();
    if (before == PENDING) {
      breaker.markIgnored();
    } else if (before == ANSWERED) {
      breaker.markSuccess();
    }
    upstream.cancel();
  }

  @Override
  public Context currentContext() {
    return actual.currentContext();
  }

  @Override
  public Object scanUnsafe(Attr key) {
    if (key == Attr.PARENT) {
      return upstream;
    }
    if (key == Attr.ACTUAL) {
      return actual;
    }
    if (key == Attr.RUN_STYLE) {
      return Attr.RunStyle.SYNC;
    }
    return null;
  }

  /** Moves the state to DONE and returns the state it had; DONE if another signal was first. */
  private int finish() {
    for (;;) {
      int s = state;
      if (s == DONE || STATE.compareAndSet(this, s, DONE)) {
        return s;
      }
    }
  }
}
