package dev.backstop.httpclient5;

import dev.backstop.CircuitBreaker;
import dev.backstop.Outcome;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.CancellationException;
import org.apache.hc.client5.http.async.AsyncExecCallback;
import org.apache.hc.core5.concurrent.CancellableDependency;
import org.apache.hc.core5.http.EntityDetails;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.HttpResponse;
import org.apache.hc.core5.http.nio.AsyncDataConsumer;

/**
 * The callback {@link BackstopExec} passes down the async chain for an allowed request: passes
 * every signal on unchanged and records the request's outcome exactly once, on the first of the
 * response head, a failure or the completion.
 */
final class GuardedCallback implements AsyncExecCallback {

  private static final VarHandle RECORDED;
  private static final VarHandle ENDED;

  static {
    try {
      MethodHandles.Lookup lookup = MethodHandles.lookup();
      RECORDED = lookup.findVarHandle(GuardedCallback.class, "recorded", boolean.class);
      ENDED = lookup.findVarHandle(GuardedCallback.class, "ended", boolean.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final BackstopExec exec;
  private final CircuitBreaker breaker;
  private final CancellableDependency cancellable;
  private final AsyncExecCallback callback;
  private volatile boolean recorded;
  private volatile boolean ended;

  GuardedCallback(
      BackstopExec exec,
      CircuitBreaker breaker,
      CancellableDependency cancellable,
      AsyncExecCallback callback) {
    this.exec = exec;
    this.breaker = breaker;
    this.cancellable = cancellable;
    this.callback = callback;
  }

  @Override
  public AsyncDataConsumer handleResponse(HttpResponse response, EntityDetails entityDetails)
      throws HttpException, IOException {
    if (claim()) {
      // HttpClient may let a cancelled exchange run on; its late answer is no longer the caller's.
      (cancelled() ? Outcome.IGNORED : exec.classify(response)).record(breaker);
    }
    return callback.handleResponse(response, entityDetails);
  }

  @Override
  public void handleInformationResponse(HttpResponse response) throws HttpException, IOException {
    callback.handleInformationResponse(response);
  }

  @Override
  public void completed() {
    if (claim()) {
      // Completed without a response head: nothing the backend said to judge.
      breaker.markIgnored();
    }
    ended();
    callback.completed();
  }

  @Override
  public void failed(Exception cause) {
    threw(cause);
    ended();
    callback.failed(cause);
  }

  /**
   * The client this request runs on was closed: records the request as ignored unless an
   * outcome is already recorded, and, unless it already ended, cancels its future, which
   * HttpClient would leave pending.
   */
  void clientClosed() {
    if (claim()) {
      breaker.markIgnored();
    }
    if (!ended && ENDED.compareAndSet(this, false, true)) {
      if (cancellable != null) {
        cancellable.cancel();
      } else {
        callback.failed(new CancellationException("the client was closed"));
      }
    }
  }

  /** The request ended: nothing is left for a close of its client to do. */
  void ended() {
    ENDED.setVolatile(this, true);
    exec.ended(this);
  }

  /** Records an exception that ended the request, unless an outcome is already recorded. */
  void threw(Throwable error) {
    if (claim()) {
      (cancelled() ? Outcome.IGNORED : exec.classify(error)).record(breaker);
    }
  }

  private boolean cancelled() {
    return cancellable != null && cancellable.isCancelled();
  }

  private boolean claim() {
    return !recorded && RECORDED.compareAndSet(this, false, true);
  }
}
