package dev.backstop.http;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.UndeclaredThrowableException;
import java.net.http.HttpClient;
import java.time.Duration;

/**
 * Calls the lifecycle methods Java 21 added to {@link HttpClient} on a wrapped client, from code
 * compiled for Java 17.
 *
 * <p>Each method is looked up once, by name and type, among HttpClient's public methods with the
 * public lookup, which bypasses no access check. On Java 17 to 20 the lookups fail and each method
 * does what Java 21's {@code HttpClient} defaults do: nothing, {@code awaitTermination} returns
 * {@code true} and {@code isTerminated} returns {@code false}.
 */
final class Lifecycle {

  private static final MethodHandle SHUTDOWN = find("shutdown", MethodType.methodType(void.class));
  private static final MethodHandle SHUTDOWN_NOW =
      find("shutdownNow", MethodType.methodType(void.class));
  private static final MethodHandle AWAIT_TERMINATION =
      find("awaitTermination", MethodType.methodType(boolean.class, Duration.class));
  private static final MethodHandle IS_TERMINATED =
      find("isTerminated", MethodType.methodType(boolean.class));
  private static final MethodHandle CLOSE = find("close", MethodType.methodType(void.class));

  private Lifecycle() {}

  /** Whether the running Java's {@link HttpClient} has the lifecycle methods (Java 21+). */
  static boolean supported() {
    return CLOSE != null;
  }

  static void shutdown(HttpClient client) {
    if (SHUTDOWN != null) {
      try {
        SHUTDOWN.invokeExact(client);
      } catch (Throwable t) {
        throw rethrow(t);
      }
    }
  }

  static void shutdownNow(HttpClient client) {
    if (SHUTDOWN_NOW != null) {
      try {
        SHUTDOWN_NOW.invokeExact(client);
      } catch (Throwable t) {
        throw rethrow(t);
      }
    }
  }

  static boolean awaitTermination(HttpClient client, Duration duration)
      throws InterruptedException {
    if (AWAIT_TERMINATION == null) {
      return true;
    }
    try {
      return (boolean) AWAIT_TERMINATION.invokeExact(client, duration);
    } catch (InterruptedException e) {
      throw e;
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  static boolean isTerminated(HttpClient client) {
    if (IS_TERMINATED == null) {
      return false;
    }
    try {
      return (boolean) IS_TERMINATED.invokeExact(client);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  static void close(HttpClient client) {
    if (CLOSE != null) {
      try {
        CLOSE.invokeExact(client);
      } catch (Throwable t) {
        throw rethrow(t);
      }
    }
  }

  private static MethodHandle find(String name, MethodType type) {
    try {
      return MethodHandles.publicLookup().findVirtual(HttpClient.class, name, type);
    } catch (NoSuchMethodException | IllegalAccessException e) {
      return null;
    }
  }

  /** The methods declare no checked exception but InterruptedException, handled by the caller. */
  private static RuntimeException rethrow(Throwable t) {
    if (t instanceof RuntimeException) {
      throw (RuntimeException) t;
    }
    if (t instanceof Error) {
      throw (Error) t;
    }
    throw new UndeclaredThrowableException(t);
  }
}
