package dev.backstop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.backstop.testing.RecordingBreaker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.SocketTimeoutException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.function.BiPredicate;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

class OutcomeTest {

  private final Predicate<Throwable> ioFails = e -> e instanceof IOException;

  @Test
  void recordCallsTheMatchingMark() {
    RecordingBreaker breaker = new RecordingBreaker();
    Outcome.SUCCESS.record(breaker);
    Outcome.FAILURE.record(breaker);
    Outcome.FAILURE.record(breaker);
    Outcome.IGNORED.record(breaker);
    assertThat(breaker.counts()).isEqualTo(new RecordingBreaker.Counts(0, 1, 2, 1, 0));
  }

  @Test
  void classifyAppliesThePredicateAndCountsAThrowingOneAsAFailure() {
    assertThat(Outcome.classify(ioFails, new IOException())).isEqualTo(Outcome.FAILURE);
    assertThat(Outcome.classify(ioFails, new IllegalStateException())).isEqualTo(Outcome.SUCCESS);
    Predicate<Integer> broken = n -> { throw new IllegalStateException("bug " + n); };
    assertThat(Outcome.classify(broken, 1)).isEqualTo(Outcome.FAILURE);
    assertThat(Outcome.classify(broken, 2)).isEqualTo(Outcome.FAILURE);
    BiPredicate<Integer, String> pair = (code, body) -> code >= 500;
    assertThat(Outcome.classify(pair, 503, "")).isEqualTo(Outcome.FAILURE);
    assertThat(Outcome.classify(pair, 404, "")).isEqualTo(Outcome.SUCCESS);
    BiPredicate<Integer, String> brokenPair = (code, body) -> { throw new AssertionError(); };
    assertThat(Outcome.classify(brokenPair, 200, "ok")).isEqualTo(Outcome.FAILURE);
  }

  @Test
  void ofIgnoresWhatTheClientDidAndClassifiesTheRest() {
    assertThat(Outcome.of(new InterruptedException(), ioFails)).isEqualTo(Outcome.IGNORED);
    assertThat(Outcome.of(new CancellationException(), ioFails)).isEqualTo(Outcome.IGNORED);
    assertThat(Outcome.of(new NotAllowedException("inner"), e -> true))
        .isEqualTo(Outcome.IGNORED);
    assertThat(Outcome.of(new IOException("shed", new NotAllowedException("inner")), e -> true))
        .isEqualTo(Outcome.IGNORED);
    assertThat(Outcome.of(new RuntimeException(new InterruptedException()), e -> true))
        .isEqualTo(Outcome.IGNORED);
    // A socket timeout is an InterruptedIOException, and a real failure of the backend.
    assertThat(Outcome.of(new SocketTimeoutException(), ioFails)).isEqualTo(Outcome.FAILURE);
    assertThat(Outcome.of(new UncheckedIOException(new IOException()), ioFails))
        .isEqualTo(Outcome.SUCCESS);
    assertThat(Outcome.of(new IllegalStateException(), ioFails)).isEqualTo(Outcome.SUCCESS);
  }

  @Test
  void ofUnwrapsCompletionAndExecutionExceptionsBeforeClassifying() {
    Predicate<Throwable> exactlyIo = e -> e.getClass() == IOException.class;
    assertThat(Outcome.of(new CompletionException(new IOException()), exactlyIo))
        .isEqualTo(Outcome.FAILURE);
    assertThat(
            Outcome.of(
                new ExecutionException(new CompletionException(new IOException())), exactlyIo))
        .isEqualTo(Outcome.FAILURE);
    CompletionException bare = new CompletionException("no cause", null);
    assertThat(Outcome.unwrap(bare)).isSameAs(bare);
  }

  @Test
  void ignoredLooksForWhatTheClientDidThroughTheCauses() {
    assertThat(Outcome.ignored(new InterruptedException())).isTrue();
    assertThat(Outcome.ignored(new IOException(new CancellationException()))).isTrue();
    assertThat(Outcome.ignored(new IOException("shed", new NotAllowedException("inner"))))
        .isTrue();
    assertThat(Outcome.ignored(new IOException("reset"))).isFalse();
    assertThat(Outcome.ignored(new IllegalStateException())).isFalse();
    assertThatThrownBy(() -> Outcome.ignored(null)).hasMessage("error");
  }

  @Test
  void ofAnExchangeClassifiesResponsesAndIoErrorsAndIgnoresTheClientsOwnErrors() {
    BiPredicate<Integer, IOException> failureWhen =
        (status, error) ->
            status != null ? status >= 500 : !(error instanceof SocketTimeoutException);
    assertThat(Outcome.of(503, null, failureWhen)).isEqualTo(Outcome.FAILURE);
    assertThat(Outcome.of(404, null, failureWhen)).isEqualTo(Outcome.SUCCESS);
    assertThat(Outcome.of(null, new IOException("reset"), failureWhen))
        .isEqualTo(Outcome.FAILURE);
    assertThat(Outcome.of(null, new SocketTimeoutException(), failureWhen))
        .isEqualTo(Outcome.SUCCESS);
    // Wrapped as an asynchronous client completes a future with it.
    assertThat(Outcome.of(null, new CompletionException(new IOException()), failureWhen))
        .isEqualTo(Outcome.FAILURE);
    // What the client did, and the client's own bugs, say nothing about the backend.
    IOException shed = new IOException("shed", new NotAllowedException("inner"));
    assertThat(Outcome.of(null, shed, failureWhen)).isEqualTo(Outcome.IGNORED);
    assertThat(Outcome.of(null, new CancellationException(), failureWhen))
        .isEqualTo(Outcome.IGNORED);
    assertThat(Outcome.of(null, new IllegalArgumentException("bad URI"), failureWhen))
        .isEqualTo(Outcome.IGNORED);
    UncheckedIOException bug = new UncheckedIOException(new IOException());
    assertThat(Outcome.of(null, new CompletionException(bug), failureWhen))
        .isEqualTo(Outcome.IGNORED);
    // A predicate that throws counts a failure.
    BiPredicate<Integer, IOException> broken =
        (status, error) -> {
          throw new IllegalStateException();
        };
    assertThat(Outcome.of(200, null, broken)).isEqualTo(Outcome.FAILURE);
    assertThat(Outcome.of(null, new IOException(), broken)).isEqualTo(Outcome.FAILURE);
  }

  @Test
  void ofAnExchangeTakesExactlyOneOfResponseAndError() {
    BiPredicate<Integer, IOException> any = (status, error) -> true;
    assertThatThrownBy(() -> Outcome.of(null, null, any))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("exactly one of response and error must be non-null, was null and null");
    assertThatThrownBy(() -> Outcome.of(200, new IOException("x"), any))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "exactly one of response and error must be non-null, was 200 and"
                + " java.io.IOException: x");
  }

  @Test
  void aCycleOfCausesEnds() {
    IOException a = new IOException("a");
    IOException b = new IOException("b", a);
    a.initCause(b);
    assertThat(Outcome.of(a, ioFails)).isEqualTo(Outcome.FAILURE);
  }

  @Test
  void nullsAreRefused() {
    assertThatThrownBy(() -> Outcome.of(null, ioFails)).hasMessage("error");
  }
}
