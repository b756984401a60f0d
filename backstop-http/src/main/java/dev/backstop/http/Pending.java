package dev.backstop.http;

import dev.backstop.CircuitBreaker;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.http.HttpResponse;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;

/**
 * The future {@link BackstopHttpClient#sendAsync} returns for a request the breaker allowed: it
 * records the outcome exactly once, then completes like the wrapped client's future. Cancelling
 * it cancels the wrapped future. Thread-safe.
 */
final class Pending<T> extends CompletableFuture<HttpResponse<T>>
    implements BiConsumer<HttpResponse<T>, Throwable> {

  private static final VarHandle RECORDED;

  static {
    try {
      RECORDED = MethodHandles.lookup().findVarHandle(Pending.class, "recorded", boolean.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final CompletableFuture<HttpResponse<T>> sent;
  private final CircuitBreaker breaker;
  private final Outcomes outcomes;
  /** Set by whichever of the wrapped future's completion and the caller's cancel comes first. */
  @SuppressWarnings("unused") // through RECORDED
  private volatile boolean recorded;

  private Pending(
      CompletableFuture<HttpResponse<T>> sent, CircuitBreaker breaker, Outcomes outcomes) {
    this.sent = sent;
    this.breaker = breaker;
    this.outcomes = outcomes;
  }

  static <T> Pending<T> of(
      CompletableFuture<HttpResponse<T>> sent, CircuitBreaker breaker, Outcomes outcomes) {
    Pending<T> pending = new Pending<>(sent, breaker, outcomes);
    sent.whenComplete(pending);
    return pending;
  }

  /** Called once when the wrapped future completes. */
  @Override
  public void accept(HttpResponse<T> response, Throwable error) {
    try {
      if (claim()) {
        outcomes.record(breaker, response, error);
      }
    } finally {
      // Even if a breaker throws, the caller's future completes.
      if (error == null) {
        complete(response);
      } else {
        completeExceptionally(Outcomes.unwrap(error));
      }
    }
  }

  /**
   * Cancels this future and the wrapped one. If the outcome was not known yet, records the
   * cancellation as the outcome, so that whatever the aborted exchange ends with is not recorded.
   */
  @Override
  public boolean cancel(boolean mayInterruptIfRunning) {
    boolean cancelled = super.cancel(mayInterruptIfRunning);
    if (cancelled) {
      try {
        if (claim()) {
          outcomes.record(breaker, null, new CancellationException("cancelled by the caller"));
        }
      } finally {
        sent.cancel(mayInterruptIfRunning);
      }
    }
    return cancelled;
  }

  private boolean claim() {
    return !recorded && RECORDED.compareAndSet(this, false, true);
  }
}
