package dev.backstop.httpclient5;

import java.util.Objects;

/**
 * The name of the operation a request belongs to, set on the request's {@code HttpContext} under
 * {@link #ATTRIBUTE}. It overrides the handler's {@link BackstopExec.Builder#operation operation}
 * function, so a call site can pick its breaker without the handler knowing its URLs:
 *
 * <pre>{@code
 * HttpClientContext context = HttpClientContext.create();
 * context.setAttribute(Operation.ATTRIBUTE, Operation.of("users.get"));
 * client.execute(new HttpGet("https://api.example.com/users/" + id), context, handler);
 * }</pre>
 *
 * <p>The context lives as long as the request's execution, so every redirect hop and retry of the
 * request uses the named operation's breaker.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class Operation {

  /** The name of the context attribute that holds a request's {@code Operation}. */
  public static final String ATTRIBUTE = "dev.backstop.operation";

  private final String name;

  private Operation(String name) {
    this.name = name;
  }

  /**
   * Returns the operation named {@code name}, the key of its breaker.
   *
   * @throws IllegalArgumentException if {@code name} is empty
   */
  public static Operation of(String name) {
    Objects.requireNonNull(name, "name");
    if (name.isEmpty()) {
      throw new IllegalArgumentException("name must not be empty, was \"\"");
    }
    return new Operation(name);
  }

  /** Returns the name of the operation. */
  public String name() {
    return name;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Operation && ((Operation) o).name.equals(name);
  }

  @Override
  public int hashCode() {
    return name.hashCode();
  }

  @Override
  public String toString() {
    return "Operation(" + name + ")";
  }
}
