package dev.backstop.httpclient5;

import dev.backstop.NotAllowedException;
import java.net.ConnectException;

/**
 * Thrown (or passed to the async client's callback) by {@link BackstopExec} when a breaker
 * rejects a request locally; the request was not sent and no connection was opened for it.
 *
 * <p>It is an {@link java.io.IOException}, so the client and the code around it (Spring's
 * {@code RestClient} maps it to a {@code ResourceAccessException}, for one) treat it as a failed
 * exchange. More precisely it is a {@link ConnectException}: the request was refused before it
 * could connect. Retry strategies that do not retry connection failures, HttpClient's default
 * {@code DefaultHttpRequestRetryStrategy} among them, therefore do not retry a rejection when the
 * handler sits inside the retry loop. Its cause is the breaker's {@link NotAllowedException}, which
 * carries the 503 code and the {@code CIRCUITBREAKER} reason:
 *
 * <pre>{@code
 * try {
 *   return client.execute(request, handler);
 * } catch (NotAllowedIOException e) {
 *   return fallback();                    // shed locally; e.getCause().code() == 503
 * }
 * }</pre>
 *
 * <p>Like {@link NotAllowedException}, it has no stack trace: a breaker that sheds load throws it
 * often, and the trace would show only HttpClient's execution chain. Instances are immutable apart
 * from suppressed exceptions a caller may add, and thread-safe.
 */
public final class NotAllowedIOException extends ConnectException {

  private static final long serialVersionUID = 1L;

  private final String operation;

  NotAllowedIOException(String operation, NotAllowedException cause) {
    super(cause.getMessage() + " (operation " + operation + ")");
    initCause(cause);
    this.operation = operation;
  }

  /** Returns the operation whose breaker rejected the request. */
  public String operation() {
    return operation;
  }

  /** Returns the breaker's rejection: {@code code()} 503, {@code reason()} CIRCUITBREAKER. */
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
