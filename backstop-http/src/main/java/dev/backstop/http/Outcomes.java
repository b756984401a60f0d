package dev.backstop.http;

import dev.backstop.CircuitBreaker;
import java.lang.System.Logger.Level;
import java.net.http.HttpResponse;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.function.BiPredicate;

/** Classifies an outcome with the user's predicate and records it on a breaker. Thread-safe. */
final class Outcomes {

  private static final System.Logger LOGGER = System.getLogger(BackstopHttpClient.class.getName());

  private final BiPredicate<? super HttpResponse<?>, ? super Throwable> failureWhen;

  Outcomes(BiPredicate<? super HttpResponse<?>, ? super Throwable> failureWhen) {
    this.failureWhen = failureWhen;
  }

  /**
   * Records one outcome: {@code response} if it is not {@code null}, else {@code error}. Never
   * throws because of the predicate: a predicate that throws is logged and the outcome counts as
   * a failure.
   */
  void record(CircuitBreaker breaker, HttpResponse<?> response, Throwable error) {
    boolean failed;
    try {
      failed = failureWhen.test(response, response != null ? null : unwrap(error));
    } catch (RuntimeException e) {
      LOGGER.log(Level.WARNING, "failureWhen threw; counting the outcome as a failure", e);
      failed = true;
    }
    if (failed) {
      breaker.markFailed();
    } else {
      breaker.markSuccess();
    }
  }

  /** Returns the cause of a {@link CompletionException} or {@link ExecutionException} wrapper. */
  static Throwable unwrap(Throwable error) {
    Throwable t = error;
    while ((t instanceof CompletionException || t instanceof ExecutionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }
}
