package dev.backstop;

import java.io.IOException;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiPredicate;
import java.util.function.Predicate;

/**
 * How a request that a breaker allowed ended, as far as the backend is concerned; see {@link
 * CircuitBreaker} for the model.
 *
 * <p>The static methods are the one rule every integration applies to user code that classifies
 * outcomes (a {@code failureWhen} predicate): if the predicate throws, the request counts as a
 * {@link #FAILURE}, the exception is logged once per predicate class through {@link
 * System.Logger}, and the caller still gets the request's own result or exception.
 */
public enum Outcome {
  /** The backend answered acceptably: {@link CircuitBreaker#markSuccess()}. */
  SUCCESS,
  /** The backend failed or could not be reached: {@link CircuitBreaker#markFailed()}. */
  FAILURE,
  /** The end says nothing about the backend: {@link CircuitBreaker#markIgnored()}. */
  IGNORED;

  private static final System.Logger LOGGER = System.getLogger(Outcome.class.getName());

  /** Whether a classifier of a given class has already been logged for throwing. */
  private static final ClassValue<AtomicBoolean> LOGGED =
      new ClassValue<>() {
        @Override
        protected AtomicBoolean computeValue(Class<?> type) {
          return new AtomicBoolean();
        }
      };

  /** How deep {@link #of(Throwable, Predicate)} looks into a chain of causes. */
  private static final int CAUSES = 16;

  /** Records this outcome on {@code breaker} with the matching {@code mark} method. */
  public void record(CircuitBreaker breaker) {
    switch (this) {
      case SUCCESS -> breaker.markSuccess();
      case FAILURE -> breaker.markFailed();
      case IGNORED -> breaker.markIgnored();
    }
  }

  /**
   * Returns {@link #FAILURE} if {@code failureWhen} holds for {@code value} or throws, else {@link
   * #SUCCESS}. A throwing predicate is logged once per predicate class.
   */
  public static <T> Outcome classify(Predicate<? super T> failureWhen, T value) {
    try {
      return failureWhen.test(value) ? FAILURE : SUCCESS;
    } catch (RuntimeException | Error e) {
      threw(failureWhen, value, e);
      return FAILURE;
    }
  }

  /**
   * Returns {@link #FAILURE} if {@code failureWhen} holds for {@code first} and {@code second} or
   * throws, else {@link #SUCCESS}. A throwing predicate is logged once per predicate class.
   */
  public static <T, U> Outcome classify(
      BiPredicate<? super T, ? super U> failureWhen, T first, U second) {
    try {
      return failureWhen.test(first, second) ? FAILURE : SUCCESS;
    } catch (RuntimeException | Error e) {
      threw(failureWhen, first + ", " + second, e);
      return FAILURE;
    }
  }

  /**
   * Classifies an error that ended an allowed request: {@link #IGNORED} if the error or one of its
   * causes is a {@link NotAllowedException} (another guard rejected the request locally), an
   * {@link InterruptedException} (the caller was interrupted) or a {@link CancellationException}
   * (the caller cancelled); otherwise {@link #classify(Predicate, Object) classify(failureWhen,
   * cause)}, where the cause is the error with {@link CompletionException} and {@link
   * ExecutionException} wrappers removed.
   */
  public static Outcome of(Throwable error, Predicate<? super Throwable> failureWhen) {
    Objects.requireNonNull(error, "error");
    return ignored(error) ? IGNORED : classify(failureWhen, unwrap(error));
  }

  /**
   * Classifies how a request of an I/O client (an HTTP client, say) ended, from its {@code
   * response} or the {@code error} it failed with, exactly one of them non-null:
   *
   * <ul>
   *   <li>a response: {@link #classify(BiPredicate, Object, Object) classify(failureWhen,
   *       response, null)};
   *   <li>an error that says nothing about the backend, as {@link #ignored(Throwable)} tells:
   *       {@link #IGNORED};
   *   <li>else, with {@link CompletionException} and {@link ExecutionException} wrappers removed,
   *       an {@link IOException} (refused, reset, timed out, ...): {@code classify(failureWhen,
   *       null, exception)};
   *   <li>any other exception failed the request on the client's side (an invalid request, a
   *       response handler that throws): {@link #IGNORED}.
   * </ul>
   *
   * @throws IllegalArgumentException if both or neither of {@code response} and {@code error} are
   *     null
   */
  public static <R> Outcome of(
      R response, Throwable error, BiPredicate<? super R, ? super IOException> failureWhen) {
    if ((response == null) == (error == null)) {
      throw new IllegalArgumentException(
          "exactly one of response and error must be non-null, was "
              + response
              + " and "
              + error);
    }
    if (response != null) {
      return classify(failureWhen, response, null);
    }
    if (ignored(error)) {
      return IGNORED;
    }
    Throwable cause = unwrap(error);
    return cause instanceof IOException
        ? classify(failureWhen, null, (IOException) cause)
        : IGNORED;
  }

  /**
   * Returns whether {@code error} or one of its causes says that the request ended without the
   * backend's say: a {@link NotAllowedException} (another guard rejected it locally), an {@link
   * InterruptedException} (the caller was interrupted) or a {@link CancellationException} (the
   * caller cancelled). Integrations count such an end as {@link #IGNORED} whatever their {@code
   * failureWhen} says.
   */
  public static boolean ignored(Throwable error) {
    Throwable t = Objects.requireNonNull(error, "error");
    for (int depth = 0; t != null && depth < CAUSES; depth++) {
      if (t instanceof NotAllowedException
          || t instanceof InterruptedException
          || t instanceof CancellationException) {
        return true;
      }
      Throwable cause = t.getCause();
      if (cause == t) {
        break;
      }
      t = cause;
    }
    return false;
  }

  /** Removes {@link CompletionException} and {@link ExecutionException} wrappers. */
  static Throwable unwrap(Throwable error) {
    Throwable t = error;
    for (int depth = 0; depth < CAUSES; depth++) {
      if (!(t instanceof CompletionException || t instanceof ExecutionException)
          || t.getCause() == null) {
        break;
      }
      t = t.getCause();
    }
    return t;
  }

  private static void threw(Object classifier, Object value, Throwable e) {
    if (LOGGED.get(classifier.getClass()).compareAndSet(false, true)) {
      LOGGER.log(
          System.Logger.Level.WARNING,
          () ->
              "failureWhen "
                  + classifier
                  + " threw for "
                  + value
                  + "; counting the request as a failure; later exceptions of this predicate"
                  + " are not logged",
          e);
    }
  }
}
