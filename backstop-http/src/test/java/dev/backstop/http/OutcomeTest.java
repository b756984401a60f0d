package dev.backstop.http;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.backstop.Backstop;
import dev.backstop.CircuitBreaker;
import dev.backstop.NotAllowedException;
import dev.backstop.SreBreaker;
import dev.backstop.testing.FakeTicker;
import dev.backstop.testing.RecordingBreaker;
import dev.backstop.testing.RecordingBreaker.Counts;
import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiPredicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What the client records, exactly, for each way a request can end: counted on a breaker that
 * counts each call of the {@link dev.backstop.CircuitBreaker} contract.
 */
class OutcomeTest {

  private static HttpClient jdk;

  private final RecordingBreaker breaker = new RecordingBreaker("counting");
  private final Backstop backstop =
      Backstop.builder().breakers(op -> breaker).build();
  private TestServer server;

  @BeforeAll
  static void jdkClient() {
    jdk =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
  }

  @AfterAll
  static void closeClient() {
    BackstopHttpClient.wrap(jdk).close();
  }

  @BeforeEach
  void startServer() throws IOException {
    server = TestServer.start();
  }

  @AfterEach
  void stopServer() {
    server.close();
  }

  private BackstopHttpClient client() {
    return BackstopHttpClient.builder(jdk).backstop(backstop).build();
  }

  private HttpRequest get() {
    return HttpRequest.newBuilder(server.uri("/x")).build();
  }

  @Test
  void aRejectedSendThrowsTheBreakersExceptionRecordsTheRejectionAndSendsNothing() {
    BackstopHttpClient client = client();
    breaker.rejectAll();

    assertThatThrownBy(() -> client.send(get(), BodyHandlers.ofString()))
        .isSameAs(breaker.rejection());

    assertThat(breaker.counts()).isEqualTo(new Counts(0, 0, 0, 0, 1));
    assertThat(server.requests()).isZero();
  }

  @Test
  void aRejectedSendAsyncReturnsAFailedFutureRecordsTheRejectionAndSendsNothing() {
    BackstopHttpClient client = client();
    breaker.rejectAll();

    CompletableFuture<HttpResponse<String>> plain =
        client.sendAsync(get(), BodyHandlers.ofString());
    CompletableFuture<HttpResponse<String>> push =
        client.sendAsync(get(), BodyHandlers.ofString(), (initiating, pushed, acceptor) -> {});

    for (CompletableFuture<HttpResponse<String>> future : List.of(plain, push)) {
      assertThat(future).isCompletedExceptionally();
      assertThatThrownBy(future::get)
          .isInstanceOf(ExecutionException.class)
          .cause()
          .isSameAs(breaker.rejection());
    }
    assertThat(breaker.counts()).isEqualTo(new Counts(0, 0, 0, 0, 2));
    assertThat(server.requests()).isZero();
  }

  @Test
  void theRejectionOfASreBreakerNamesTheOrigin() throws Exception {
    FakeTicker frozen = new FakeTicker();
    BackstopHttpClient client =
        BackstopHttpClient.builder(jdk)
            .backstop(
                Backstop.builder()
                    .breakers(op -> SreBreaker.original().name(op).ticker(frozen).build())
                    .build())
            .build();
    server.status(503);
    NotAllowedException rejection = null;
    for (int i = 0; i < 1_000 && rejection == null; i++) {
      try {
        client.send(get(), BodyHandlers.ofString());
      } catch (NotAllowedException e) {
        rejection = e;
      }
    }
    assertThat(rejection).isNotNull();
    assertThat(rejection.operation()).isEqualTo(server.origin());
    assertThat(rejection.code()).isEqualTo(503);
    assertThat(client.backstop().snapshots()).containsOnlyKeys(server.origin());
  }

  @Test
  void everySentRequestIsRecordedExactlyOnceUnderConcurrency() throws Exception {
    BackstopHttpClient client = client();
    int n = 400;
    List<CompletableFuture<HttpResponse<Void>>> futures = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      server.status(i % 2 == 0 ? 200 : 503);
      futures.add(client.sendAsync(get(), BodyHandlers.discarding()));
    }
    CompletableFuture.allOf(futures.toArray(new CompletableFuture<?>[0])).get(30, SECONDS);

    long failed = futures.stream().filter(f -> f.join().statusCode() == 503).count();
    assertThat(server.requests()).isEqualTo(n);
    assertThat(breaker.counts()).isEqualTo(new Counts(n, n - (int) failed, (int) failed, 0, 0));
  }

  @Test
  void theOutcomeIsRecordedBeforeTheReturnedFutureCompletes() throws Exception {
    BackstopHttpClient client = client();
    server.status(503);
    String seen =
        client
            .sendAsync(get(), BodyHandlers.ofString())
            .thenApply(response -> response.statusCode() + " " + breaker.counts())
            .get(10, SECONDS);
    assertThat(seen).isEqualTo("503 " + new Counts(1, 0, 1, 0, 0));
  }

  @Test
  void sendAsyncWithAPushPromiseHandlerIsGuardedAndRecorded() throws Exception {
    BackstopHttpClient client = client();
    server.status(504);
    List<HttpRequest> pushed = new CopyOnWriteArrayList<>();
    HttpResponse<String> response =
        client
            .sendAsync(
                get(),
                BodyHandlers.ofString(),
                (initiating, push, acceptor) -> pushed.add(push))
            .get(10, SECONDS);
    assertThat(response.statusCode()).isEqualTo(504);
    assertThat(response.body()).isEqualTo("status 504");
    assertThat(pushed).isEmpty(); // HTTP/1.1 has no push
    assertThat(breaker.counts()).isEqualTo(new Counts(1, 0, 1, 0, 0));
  }

  @Test
  void aCallerCancelAbortsTheExchangeAndIsIgnoredOnce() throws Exception {
    BackstopHttpClient client = client();
    server.hang();
    CompletableFuture<HttpResponse<String>> future =
        client.sendAsync(get(), BodyHandlers.ofString());
    server.awaitEntered();

    assertThat(future.cancel(true)).isTrue();

    assertThat(future).isCancelled();
    assertThat(breaker.counts()).isEqualTo(new Counts(1, 0, 0, 1, 0));
    // The aborted exchange ends with an error of its own, which must not be recorded as well.
    server.release();
    assertThat(client.send(get(), BodyHandlers.ofString()).statusCode()).isEqualTo(200);
    assertThat(breaker.counts()).isEqualTo(new Counts(2, 1, 0, 1, 0));
  }

  @Test
  void cancellingADerivedFutureAbortsTheExchangeAsOnTheJdksOwnClient() throws Exception {
    BackstopHttpClient client = client();
    server.trickle();
    CompletableFuture<Integer> derived =
        client
            .sendAsync(get(), BodyHandlers.ofString())
            .thenApply(HttpResponse::body)
            .thenApply(String::length);
    server.awaitEntered();

    assertThat(derived.cancel(true)).isTrue();

    server.awaitClosedByClient(); // the server sees the connection close
    assertThat(breaker.counts()).isEqualTo(new Counts(1, 0, 0, 1, 0));
  }

  @Test
  void theJdksOwnClientAbortsTheExchangeWhenADerivedFutureIsCancelled() throws Exception {
    server.trickle();
    CompletableFuture<String> derived =
        jdk.sendAsync(get(), BodyHandlers.ofString()).thenApply(HttpResponse::body);
    server.awaitEntered();

    assertThat(derived.cancel(true)).isTrue();

    server.awaitClosedByClient(); // the behaviour BackstopHttpClient keeps
  }

  @Test
  void cancelWithoutInterruptLeavesTheExchangeAloneAndRecordsItsRealOutcome() throws Exception {
    BackstopHttpClient client = client();
    server.hang();
    CompletableFuture<HttpResponse<String>> future =
        client.sendAsync(get(), BodyHandlers.ofString());
    CompletableFuture<String> derived = future.thenApply(HttpResponse::body);
    server.awaitEntered();

    assertThat(derived.cancel(false)).isTrue();
    assertThat(future.cancel(false)).isTrue();
    assertThat(breaker.counts()).isEqualTo(new Counts(1, 0, 0, 0, 0));

    server.release(503); // the exchange went on, and its answer is what the breaker learns
    assertThat(breaker.awaitMarks(1, Duration.ofSeconds(10)))
        .isEqualTo(new Counts(1, 0, 1, 0, 0));
    assertThat(future).isCancelled();
  }

  @Test
  void aCallerTimeoutDoesNotAbortTheRequestWhoseOutcomeIsRecordedWhenItArrives()
      throws Exception {
    BackstopHttpClient client = client();
    server.hang();
    CompletableFuture<HttpResponse<String>> future =
        client.sendAsync(get(), BodyHandlers.ofString()).orTimeout(1, TimeUnit.NANOSECONDS);
    server.awaitEntered();
    assertThatThrownBy(() -> future.get(10, SECONDS)).hasCauseInstanceOf(TimeoutException.class);
    assertThat(breaker.counts()).isEqualTo(new Counts(1, 0, 0, 0, 0));

    server.release(); // the request was not aborted: it gets its 200 and that is recorded
    assertThat(breaker.awaitMarks(1, Duration.ofSeconds(10)))
        .isEqualTo(new Counts(1, 1, 0, 0, 0));
    assertThat(server.requests()).isEqualTo(1);
  }

  @Test
  void anInterruptedSendIsIgnoredOnce() throws Exception {
    BackstopHttpClient client = client();
    server.hang();
    CompletableFuture<Throwable> thrown = new CompletableFuture<>();
    Thread caller =
        new Thread(
            () -> {
              try {
                client.send(get(), BodyHandlers.ofString());
                thrown.complete(null);
              } catch (Throwable t) {
                thrown.complete(t);
              }
            });
    caller.start();
    server.awaitEntered();
    caller.interrupt();

    assertThat(thrown.get(10, SECONDS)).isInstanceOf(InterruptedException.class);
    caller.join(10_000);
    assertThat(breaker.counts()).isEqualTo(new Counts(1, 0, 0, 1, 0));
  }

  @ParameterizedTest(name = "async {0}")
  @ValueSource(booleans = {false, true})
  void connectionRefusedIsAFailureAndReachesTheCallerUnchanged(boolean async) throws Exception {
    BackstopHttpClient client = client();
    server.stop();
    if (async) {
      assertThatThrownBy(() -> client.sendAsync(get(), BodyHandlers.ofString()).get(10, SECONDS))
          .isInstanceOf(ExecutionException.class)
          .cause()
          .isInstanceOf(ConnectException.class);
    } else {
      assertThatThrownBy(() -> client.send(get(), BodyHandlers.ofString()))
          .isInstanceOf(ConnectException.class);
    }
    assertThat(breaker.counts()).isEqualTo(new Counts(1, 0, 1, 0, 0));
  }

  @ParameterizedTest(name = "async {0}")
  @ValueSource(booleans = {false, true})
  void failureWhenDecidesAndSeesTheUnwrappedException(boolean async) throws Exception {
    List<String> seen = new CopyOnWriteArrayList<>();
    BiPredicate<HttpResponse<?>, IOException> notFound =
        (response, error) -> {
          seen.add(
              response != null ? "status " + response.statusCode() : error.getClass().getName());
          return response != null && response.statusCode() == 404;
        };
    BackstopHttpClient client =
        BackstopHttpClient.builder(jdk).backstop(backstop).failureWhen(notFound).build();

    for (int status : new int[] {404, 503, 200}) {
      server.status(status);
      HttpResponse<String> response =
          async
              ? client.sendAsync(get(), BodyHandlers.ofString()).get(10, SECONDS)
              : client.send(get(), BodyHandlers.ofString());
      assertThat(response.statusCode()).isEqualTo(status);
    }
    server.stop();
    try {
      if (async) {
        client.sendAsync(get(), BodyHandlers.ofString()).get(10, SECONDS);
      } else {
        client.send(get(), BodyHandlers.ofString());
      }
    } catch (ExecutionException | IOException expected) {
      // connection refused
    }

    assertThat(seen)
        .containsExactly(
            "status 404", "status 503", "status 200", ConnectException.class.getName());
    assertThat(breaker.counts()).isEqualTo(new Counts(4, 3, 1, 0, 0));
  }

  @Test
  void theDefaultFailuresCanBeExtended() throws Exception {
    BackstopHttpClient client =
        BackstopHttpClient.builder(jdk)
            .backstop(backstop)
            .failureWhen(
                BackstopHttpClient.DEFAULT_FAILURE.or(
                    (response, error) -> response != null && response.statusCode() == 502))
            .build();
    for (int status : new int[] {502, 503, 404}) {
      server.status(status);
      client.send(get(), BodyHandlers.discarding());
    }
    assertThat(breaker.counts()).isEqualTo(new Counts(3, 1, 2, 0, 0));
  }

  @Test
  void theDefaultFailures() {
    BiPredicate<HttpResponse<?>, IOException> failure = BackstopHttpClient.DEFAULT_FAILURE;
    assertThat(failure.test(null, new ConnectException("refused"))).isTrue();
    assertThat(failure.test(null, new java.net.http.HttpTimeoutException("slow"))).isTrue();
    assertThat(failure.test(null, new IOException("reset"))).isTrue();
    assertThat(failure).hasToString("DEFAULT_FAILURE (status 500, 503, 504 or an IOException)");
  }

  @Test
  void aFailureWhenThatThrowsCountsAsAFailureAndTheCallerStillGetsTheResponse()
      throws Exception {
    BackstopHttpClient client =
        BackstopHttpClient.builder(jdk)
            .backstop(backstop)
            .failureWhen(
                (response, error) -> {
                  throw new IllegalStateException("bug in the predicate");
                })
            .build();
    assertThat(client.send(get(), BodyHandlers.ofString()).body()).isEqualTo("status 200");
    assertThat(client.sendAsync(get(), BodyHandlers.ofString()).get(10, SECONDS).body())
        .isEqualTo("status 200");
    assertThat(breaker.counts()).isEqualTo(new Counts(2, 0, 2, 0, 0));
  }

  @Test
  void theReturnedFutureCompletesEvenIfTheBreakerThrowsWhileRecording() throws Exception {
    CircuitBreaker broken =
        new CircuitBreaker() {
          @Override
          public void allow() {}

          @Override
          public void markSuccess() {
            throw new IllegalStateException("broken breaker");
          }

          @Override
          public void markFailed() {
            throw new IllegalStateException("broken breaker");
          }
        };
    BackstopHttpClient client =
        BackstopHttpClient.builder(jdk)
            .backstop(Backstop.builder().breakers(op -> broken).build())
            .build();
    assertThat(client.sendAsync(get(), BodyHandlers.ofString()).get(10, SECONDS).body())
        .isEqualTo("status 200");
  }

  @Test
  void anOperationThatReturnsNullFailsBeforeTheBreakerIsAsked() {
    BackstopHttpClient client =
        BackstopHttpClient.builder(jdk).backstop(backstop).operation(r -> null).build();
    HttpRequest request = get();
    assertThatThrownBy(() -> client.send(request, BodyHandlers.ofString()))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("operation returned null for " + request);
    assertThat(breaker.counts()).isEqualTo(new Counts(0, 0, 0, 0, 0));
    assertThat(server.requests()).isZero();
  }

  @Test
  void aCustomOperationChoosesTheBreaker() throws Exception {
    Backstop perEndpoint = Backstop.create();
    BackstopHttpClient client =
        BackstopHttpClient.builder(jdk)
            .backstop(perEndpoint)
            .operation(r -> r.method() + " " + r.uri().getPath())
            .build();
    client.send(HttpRequest.newBuilder(server.uri("/a?id=1")).build(), BodyHandlers.discarding());
    client.send(HttpRequest.newBuilder(server.uri("/b")).build(), BodyHandlers.discarding());
    client.send(HttpRequest.newBuilder(server.uri("/a?id=2")).build(), BodyHandlers.discarding());
    assertThat(perEndpoint.snapshots()).containsOnlyKeys("GET /a", "GET /b");
    assertThat(perEndpoint.snapshot("GET /a").total()).isEqualTo(2);
  }
}
