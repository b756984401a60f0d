package dev.backstop.okhttp;

import dev.backstop.NotAllowedException;
import java.io.IOException;

/**
 * Thrown by {@link BackstopInterceptor} when a breaker rejects a request locally; the request was
 * not sent.
 *
 * <p>It is an {@link IOException} because that is what OkHttp delivers as a normal failure: {@code
 * Call.execute()} throws it and {@code Call.enqueue()} passes it to {@code Callback.onFailure},
 * whereas OkHttp's asynchronous path would rethrow an unchecked exception on its dispatcher thread.
 * Its cause is the breaker's {@link NotAllowedException}, which carries the 503 code and the
 * {@code CIRCUITBREAKER} reason. Callers that want to tell a local rejection from a network
 * failure check for this type:
 *
 * <pre>{@code
 * try (Response response = client.newCall(request).execute()) {
 *   ...
 * } catch (NotAllowedIOException e) {
 *   return fallback();                    // shed locally; e.getCause().code() == 503
 * }
 * }</pre>
 *
 * <p>Like {@link NotAllowedException}, it has no stack trace: a breaker that sheds load throws it
 * often, and the trace would show only OkHttp's interceptor chain. Instances are immutable apart
 * from the suppressed exceptions OkHttp may add, and thread-safe.
 */
public final class NotAllowedIOException extends IOException {

  private static final long serialVersionUID = 1L;

  private final String operation;

  NotAllowedIOException(String operation, NotAllowedException cause) {
    super(cause.getMessage() + " (operation " + operation + ")", cause);
    this.operation = operation;
  }

  /** Returns the operation whose breaker rejected the request. */
  public String operation() {
    return operation;
  }

  /** Returns the breaker's rejection, with {@code code()} 503 and {@code reason()} CIRCUITBREAKER. */
  @Override
  public synchronized NotAllowedException getCause() {
    return (NotAllowedException) super.getCause();
  }

  /** Does not fill in a stack trace; see the class documentation. */
  @Override
  public synchronized Throwable fillInStackTrace() {
    return this;
  }
}
