package dev.backstop;

/**
 * Thrown when a circuit breaker rejects a request locally, without sending it.
 *
 * <p>Its {@link #code()} is 503 and its {@link #reason()} is {@code "CIRCUITBREAKER"}, so that
 * callers and error mappers can treat it like a server's "service unavailable" while still telling
 * the two apart.
 *
 * <p>Rejection is on the hot path of a breaker that sheds load, so this exception is cheap: it has
 * no stack trace, no suppressed exceptions and no cause, and it is immutable. A breaker creates one
 * instance up front and throws it for every rejection; a {@link SreBreaker} made by {@link
 * Backstop} owns an instance that names its operation, which is more useful in a log than a
 * single shared instance and costs one object per operation. Do not rely on identity.
 */
public final class NotAllowedException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /** The message of every instance. */
  static final String MESSAGE = "request failed due to circuit breaker triggered";

  private final String operation;

  /**
   * Creates the exception a breaker throws for its rejections. Create it once and reuse it.
   *
   * @param operation the operation the breaker guards, or {@code null} if it has no name
   */
  public NotAllowedException(String operation) {
    super(MESSAGE, null, false, false);
    this.operation = operation;
  }

  /** Returns 503, the HTTP status this rejection corresponds to. */
  public int code() {
    return 503;
  }

  /** Returns {@code "CIRCUITBREAKER"}, the machine-readable reason for the rejection. */
  public String reason() {
    return "CIRCUITBREAKER";
  }

  /** Returns the operation whose breaker rejected the request, or {@code null} if unnamed. */
  public String operation() {
    return operation;
  }

  @Override
  public String toString() {
    String base = getClass().getName() + ": " + MESSAGE;
    return operation == null ? base : base + " (operation " + operation + ")";
  }
}
