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

  static {
    try {
      RECORDED =
          MethodHandles.lookup().findVarHandle(GuardedCallback.class, "recorded", boolean.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final BackstopExec exec;
  private final CircuitBreaker breaker;
  private final CancellableDependency cancellable;
  private final AsyncExecCallback callback;
  private volatile boolean recorded;

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
   * The client this request runs on was closed before the request ended: records the request as
   * ignored unless an outcome is already recorded, and cancels its future, which HttpClient would
   * leave pending. {@link ClientState} calls it at most once, for a request it took out of its
   * set of requests in flight before {@link #ended()} did.
   */
  void clientClosed() {
    if (claim()) {
      breaker.markIgnored();
    }
    if (cancellable != null) {
      cancellable.cancel();
    } else {
      callback.failed(new CancellationException("the client was closed"));
    }
  }

  /** The request ended: nothing is left for a close of its client to do. */
  void ended() {
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
