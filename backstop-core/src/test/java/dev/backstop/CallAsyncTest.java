package dev.backstop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.backstop.testing.FakeTicker;
import dev.backstop.testing.HttpBackend;
import dev.backstop.testing.RecordingBreaker;
import dev.backstop.testing.RecordingBreaker.Counts;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * callAsync with stages completed on other threads, cancelled and failing, and around the JDK
 * client's sendAsync against a real backend on loopback.
 */
class CallAsyncTest {

  private static final Duration WAIT = Duration.ofSeconds(10);

  private final RecordingBreaker breaker = new RecordingBreaker("op");
  private final Backstop backstop = Backstop.builder().breakers(op -> breaker).build();
  private final ExecutorService backend = Executors.newFixedThreadPool(4);

  @AfterEach
  void stop() {
    backend.shutdownNow();
  }

  @Test
  void aValueIsASuccessRecordedBeforeTheFutureCompletes() throws Exception {
    AtomicReference<Counts> seen = new AtomicReference<>();
    CompletableFuture<String> result =
        backstop.callAsync("op", () -> CompletableFuture.supplyAsync(() -> "ok", backend));
    CompletableFuture<String> after =
        result.whenComplete((v, e) -> seen.set(breaker.counts()));
    assertThat(after.get(10, TimeUnit.SECONDS)).isEqualTo("ok");
    assertThat(seen.get()).isEqualTo(new Counts(1, 1, 0, 0, 0));
  }

  @Test
  void anExceptionIsClassifiedOnTheUnwrappedCause() throws Exception {
    List<Throwable> classified = new ArrayList<>();
    Backstop b =
        Backstop.builder()
            .breakers(op -> breaker)
            .failureWhen(
                e -> {
                  classified.add(e);
                  return e instanceof IOException;
                })
            .build();
    CompletableFuture<String> failed =
        b.callAsync(
            "op",
            () ->
                CompletableFuture.supplyAsync(
                    () -> {
                      throw new CompletionException(new IOException("down"));
                    },
                    backend));
    assertThatThrownBy(() -> failed.get(10, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOf(IOException.class)
        .hasMessage("down");
    CompletableFuture<String> notFound =
        b.callAsync(
            "op",
            () ->
                CompletableFuture.supplyAsync(
                    () -> {
                      throw new IllegalArgumentException("no such user");
                    },
                    backend));
    assertThatThrownBy(() -> notFound.get(10, TimeUnit.SECONDS))
        .cause()
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(breaker.awaitMarks(2, WAIT)).isEqualTo(new Counts(2, 1, 1, 0, 0));
    assertThat(classified).extracting(Throwable::getClass).containsExactly(
        IOException.class, IllegalArgumentException.class);
  }

  @Test
  void aRejectionFailsAtOnceWithoutCallingTheAction() {
    breaker.rejectAll();
    AtomicInteger called = new AtomicInteger();
    CompletableFuture<String> result =
        backstop.callAsync(
            "op",
            () -> {
              called.incrementAndGet();
              return CompletableFuture.completedFuture("sent");
            });
    assertThat(result).isCompletedExceptionally();
    assertThatThrownBy(result::join).cause().isSameAs(breaker.rejection());
    assertThat(called).hasValue(0);
    assertThat(breaker.counts()).isEqualTo(new Counts(0, 0, 0, 0, 1));
  }

  @Test
  void cancellingTheFutureIsIgnoredAndCancelsTheActionsStage() {
    CompletableFuture<String> source = new CompletableFuture<>();
    CompletableFuture<String> result = backstop.callAsync("op", () -> source);
    assertThat(result.cancel(true)).isTrue();
    assertThat(source).isCancelled();
    source.complete("too late"); // no effect on either
    assertThat(breaker.counts()).isEqualTo(new Counts(1, 0, 0, 1, 0));
    assertThatThrownBy(result::join).isInstanceOf(CancellationException.class);
  }

  @Test
  void aStageCancelledByItsOwnerIsIgnored() {
    CompletableFuture<String> source = new CompletableFuture<>();
    CompletableFuture<String> result = backstop.callAsync("op", () -> source);
    source.cancel(false);
    assertThat(result).isCompletedExceptionally();
    assertThat(breaker.counts()).isEqualTo(new Counts(1, 0, 0, 1, 0));
  }

  @Test
  void aStageThatCannotBeCancelledStillRecordsTheCancelOnce() {
    CompletableFuture<String> source = new CompletableFuture<>();
    CompletionStage<String> minimal = source.minimalCompletionStage();
    CompletableFuture<String> result = backstop.callAsync("op", () -> minimal);
    assertThat(result.cancel(false)).isTrue();
    source.complete("late");
    assertThat(breaker.counts()).isEqualTo(new Counts(1, 0, 0, 1, 0));
  }

  @Test
  void anActionThatThrowsOrReturnsNullIsTheCallersFailureAndIgnored() {
    IllegalArgumentException bug = new IllegalArgumentException("bad uri");
    CompletableFuture<String> thrown = backstop.callAsync("op", () -> { throw bug; });
    assertThatThrownBy(thrown::join).cause().isSameAs(bug);
    CompletableFuture<String> nulled = backstop.callAsync("op", () -> null);
    assertThatThrownBy(nulled::join)
        .cause()
        .isInstanceOf(NullPointerException.class)
        .hasMessage("action of callAsync(\"op\", ...) returned null, not a stage");
    assertThat(breaker.counts()).isEqualTo(new Counts(2, 0, 0, 2, 0));
  }

  @Test
  void aThousandCancelledCallsLeaveAHealthyBackendsBreakerClosed() {
    Backstop healthy = Backstop.create();
    List<CompletableFuture<String>> sources = new ArrayList<>();
    for (int i = 0; i < 1_000; i++) {
      CompletableFuture<String> source = new CompletableFuture<>();
      sources.add(source);
      healthy.callAsync("users.get", () -> source).cancel(true);
    }
    assertThat(sources).allMatch(CompletableFuture::isCancelled);
    Snapshot s = healthy.snapshot("users.get");
    assertThat(s.total()).isZero();
    assertThat(s.state()).isEqualTo(State.CLOSED);
  }

  @Test
  void racingCancelsAndCompletionsRecordEachCallExactlyOnce() throws Exception {
    int calls = 4_000;
    List<CompletableFuture<String>> sources = new ArrayList<>();
    List<CompletableFuture<String>> results = new ArrayList<>();
    for (int i = 0; i < calls; i++) {
      CompletableFuture<String> source = new CompletableFuture<>();
      sources.add(source);
      results.add(backstop.callAsync("op", () -> source));
    }
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    pool.execute(() -> race(start, () -> sources.forEach(s -> s.complete("ok"))));
    pool.execute(() -> race(start, () -> results.forEach(r -> r.cancel(false))));
    pool.execute(
        () -> race(start, () -> sources.forEach(s -> s.completeExceptionally(new IOException()))));
    start.countDown();
    pool.shutdown();
    assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
    Counts c = breaker.counts();
    assertThat(c.allowed()).isEqualTo(calls);
    assertThat(c.inFlight()).isZero();
    assertThat(c.successes() + c.failures() + c.ignored()).isEqualTo(calls);
    assertThat(results).allMatch(CompletableFuture::isDone);
  }

  /**
   * callAsync around the JDK client's sendAsync against a real backend: answers of 500 and above
   * fail the stage, as a typical caller maps them.
   */
  private static CompletableFuture<Integer> get(Backstop b, HttpClient http, HttpBackend backend) {
    HttpRequest request = HttpRequest.newBuilder(backend.uri("/users/1")).build();
    return b.callAsync(
        "users.get",
        () ->
            http.sendAsync(request, BodyHandlers.discarding())
                .thenApply(
                    response -> {
                      if (response.statusCode() >= 500) {
                        throw new CompletionException(
                            new IOException("status " + response.statusCode()));
                      }
                      return response.statusCode();
                    }));
  }

  /** Makes {@code n} calls one after another; returns how many were rejected locally. */
  private static int send(Backstop b, HttpClient http, HttpBackend backend, int n) {
    int rejected = 0;
    for (int i = 0; i < n; i++) {
      try {
        get(b, http, backend).join();
      } catch (CompletionException e) {
        if (e.getCause() instanceof NotAllowedException) {
          rejected++;
        }
      }
    }
    return rejected;
  }

  @Test
  void aDeadBackendIsShedOverRealSocketsAndTheBreakerRecoversOnceItHeals() {
    FakeTicker ticker = new FakeTicker();
    Backstop b = Backstop.builder().ticker(ticker).build();
    HttpClient http = HttpClient.newHttpClient();
    try (HttpBackend backend = HttpBackend.start()) {
      assertThat(send(b, http, backend, 50)).isZero();
      ticker.advance(Duration.ofSeconds(1)); // the backend dies a second later
      backend.status(503);
      int calls = 1_000;
      int rejected = send(b, http, backend, calls);
      assertThat(rejected).isGreaterThan(calls * 9 / 10);
      assertThat(backend.requests()).isEqualTo(50 + calls - rejected);
      assertThat(b.snapshot("users.get").state()).isEqualTo(State.OPEN);

      backend.status(200);
      ticker.advance(Duration.ofSeconds(3));
      int before = backend.requests();
      assertThat(send(b, http, backend, 200)).isZero();
      assertThat(backend.requests()).isEqualTo(before + 200);
      assertThat(b.snapshot("users.get")).isEqualTo(new Snapshot(200, 200, 0, State.CLOSED));
    }
  }

  @Test
  void aThousandCancelledSendsToAHealthyBackendLeaveItsBreakerClosed() throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    Backstop healthy = Backstop.create();
    try (HttpBackend backend = HttpBackend.start()) {
      int cancelled = 0;
      for (int i = 0; i < 1_000; i++) {
        get(healthy, http, backend).cancel(true);
        if (get(backstop, http, backend).cancel(true)) {
          cancelled++;
        }
      }
      // A send that the server answered before the cancel is a success; every other is ignored.
      assertThat(breaker.counts()).isEqualTo(new Counts(1_000, 1_000 - cancelled, 0, cancelled, 0));
      assertThat(cancelled).isGreaterThan(900);
      Snapshot s = healthy.snapshot("users.get");
      assertThat(s.accepts()).isEqualTo(s.total()); // nothing counted as a failure
      assertThat(s.state()).isEqualTo(State.CLOSED);
      assertThat(get(healthy, http, backend).get(10, TimeUnit.SECONDS)).isEqualTo(200);
    }
  }

  private static void race(CountDownLatch start, Runnable work) {
    try {
      start.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    work.run();
  }
}
