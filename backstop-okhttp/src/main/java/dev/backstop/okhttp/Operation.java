package dev.backstop.okhttp;

import java.util.Objects;

/**
 * The name of the operation a request belongs to, attached to the request as a tag. It overrides
 * the interceptor's {@link BackstopInterceptor.Builder#operation operation} function, so a call
 * site can pick its breaker without the interceptor knowing its URLs:
 *
 * <pre>{@code
 * Request request = new Request.Builder()
 *     .url("https://api.example.com/users/" + id)
 *     .tag(Operation.class, Operation.of("users.get"))
 *     .build();
 * }</pre>
 *
 * <p>OkHttp keeps tags on the requests it derives from the caller's (redirects, retries, the
 * network request), so every hop of the call uses the named operation's breaker.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class Operation {

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
