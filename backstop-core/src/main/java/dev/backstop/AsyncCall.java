package dev.backstop;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BiConsumer;
import java.util.function.Predicate;

/**
 * The future {@link Backstop#callAsync} returns for an allowed call: completes as the action's
 * stage does, after recording the outcome, or records the call as ignored when the caller cancels
 * it first. The outcome is recorded exactly once, whichever comes first.
 */
final class AsyncCall<T> extends CompletableFuture<T> implements BiConsumer<T, Throwable> {

  private static final VarHandle RECORDED;

  static {
    try {
      RECORDED = MethodHandles.lookup().findVarHandle(AsyncCall.class, "recorded", boolean.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final CircuitBreaker breaker;
  private final Predicate<? super Throwable> failureWhen;
  private final CompletionStage<T> stage;
  private volatile boolean recorded;

  AsyncCall(
      CircuitBreaker breaker, Predicate<? super Throwable> failureWhen, CompletionStage<T> stage) {
    this.breaker = breaker;
    this.failureWhen = failureWhen;
    this.stage = stage;
  }

  /** The action's stage completed: record, then complete this future the same way. */
  @Override
  public void accept(T value, Throwable error) {
    if (claim()) {
      if (error == null) {
        breaker.markSuccess();
      } else {
        Outcome.of(error, failureWhen).record(breaker);
      }
    }
    if (error == null) {
      complete(value);
    } else {
      completeExceptionally(Outcome.unwrap(error));
    }
  }

  /** The caller gave up: ignored, and the action's stage is cancelled where it can be. */
  @Override
  public boolean cancel(boolean mayInterruptIfRunning) {
    boolean cancelled = super.cancel(mayInterruptIfRunning);
    if (cancelled) {
      if (claim()) {
        breaker.markIgnored();
      }
      try {
        stage.toCompletableFuture().cancel(mayInterruptIfRunning);
      } catch (UnsupportedOperationException e) {
        // A stage that cannot be seen as a future cannot be cancelled either.
      }
    }
    return cancelled;
  }

  /** Derived stages are plain futures, so that cancelling them does not record anything. */
  @Override
  public <U> CompletableFuture<U> newIncompleteFuture() {
    return new CompletableFuture<>();
  }

  private boolean claim() {
    return !recorded && RECORDED.compareAndSet(this, false, true);
  }
}
