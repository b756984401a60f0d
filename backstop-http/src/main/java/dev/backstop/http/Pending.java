package dev.backstop.http;

import dev.backstop.CircuitBreaker;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.http.HttpResponse;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;

/**
 * The future {@link BackstopHttpClient#sendAsync} returns for a request the breaker allowed: it
 * records the outcome exactly once, then completes like the wrapped client's future.
 *
 * <p>Cancelling it, or any future derived from it, with {@code mayInterruptIfRunning} aborts the
 * exchange, as the JDK's own futures do since Java 16: the call is recorded as ignored and the
 * wrapped future is cancelled. A cancel without {@code mayInterruptIfRunning} does not abort the
 * JDK's exchange, so it only completes the caller's future: the exchange's own outcome is
 * recorded when it arrives. Thread-safe.
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
  private final BackstopHttpClient client;
  /** Set by whichever of the wrapped future's completion and an abort comes first. */
  @SuppressWarnings("unused") // through RECORDED
  private volatile boolean recorded;

  private Pending(
      CompletableFuture<HttpResponse<T>> sent, CircuitBreaker breaker, BackstopHttpClient client) {
    this.sent = sent;
    this.breaker = breaker;
    this.client = client;
  }

  static <T> Pending<T> of(
      CompletableFuture<HttpResponse<T>> sent, CircuitBreaker breaker, BackstopHttpClient client) {
    Pending<T> pending = new Pending<>(sent, breaker, client);
    sent.whenComplete(pending);
    return pending;
  }

  /** Called once when the wrapped future completes. */
  @Override
  public void accept(HttpResponse<T> response, Throwable error) {
    try {
      if (claim()) {
        client.classify(response, error).record(breaker);
      }
    } finally {
      // Even if a breaker throws, the caller's future completes.
      if (error == null) {
        complete(response);
      } else {
        completeExceptionally(BackstopHttpClient.unwrap(error));
      }
    }
  }

  /**
   * Cancels this future. With {@code mayInterruptIfRunning}, also aborts the exchange: see the
   * class documentation.
   */
  @Override
  public boolean cancel(boolean mayInterruptIfRunning) {
    boolean cancelled = super.cancel(mayInterruptIfRunning);
    if (cancelled && mayInterruptIfRunning) {
      abort();
    }
    return cancelled;
  }

  /** Records the call as ignored unless its outcome is known, and aborts the exchange. */
  void abort() {
    try {
      if (claim()) {
        breaker.markIgnored();
      }
    } finally {
      sent.cancel(true);
    }
  }

  /** Derived stages abort the exchange when cancelled with mayInterruptIfRunning, too. */
  @Override
  public <U> CompletableFuture<U> newIncompleteFuture() {
    return new Derived<>(this);
  }

  private boolean claim() {
    return !recorded && RECORDED.compareAndSet(this, false, true);
  }

  /** A stage derived from a {@link Pending}, directly or not. */
  static final class Derived<U> extends CompletableFuture<U> {
    private final Pending<?> pending;

    Derived(Pending<?> pending) {
      this.pending = pending;
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
      boolean cancelled = super.cancel(mayInterruptIfRunning);
      if (cancelled && mayInterruptIfRunning) {
        pending.abort();
      }
      return cancelled;
    }

    @Override
    public <V> CompletableFuture<V> newIncompleteFuture() {
      return new Derived<>(pending);
    }
  }
}
