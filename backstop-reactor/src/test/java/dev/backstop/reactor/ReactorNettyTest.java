package dev.backstop.reactor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.backstop.Backstop;
import dev.backstop.NotAllowedException;
import dev.backstop.Snapshot;
import dev.backstop.State;
import dev.backstop.testing.FakeTicker;
import dev.backstop.testing.HttpBackend;
import dev.backstop.testing.RecordingBreaker;
import dev.backstop.testing.RecordingBreaker.Counts;
import io.netty.handler.timeout.ReadTimeoutException;
import java.net.ConnectException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;
import reactor.util.retry.Retry;

/**
 * The operator on real Reactor Netty HTTP calls to a real server on loopback that fails on
 * command. Breakers are the default {@code SreBreaker}s on a fake clock that only the tests move,
 * or a {@link RecordingBreaker} where a row needs exact counts.
 */
class ReactorNettyTest {

  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final Duration WINDOW = Duration.ofSeconds(3);

  private final FakeTicker ticker = new FakeTicker();
  private final Backstop backstop = Backstop.builder().ticker(ticker).build();
  private final HttpBackend backend = HttpBackend.start();
  // No bound on waiting acquires: the thousand-cancels test queues more of them than the default
  // allows, and a full queue is the test client's own limit, not the backend's answer.
  private final ConnectionProvider pool =
      ConnectionProvider.builder("test").maxConnections(500).pendingAcquireMaxCount(-1).build();
  private final HttpClient http = HttpClient.create(pool);

  @AfterEach
  void tearDown() {
    backend.close();
    pool.disposeLater().block(WAIT);
  }

  /** A status the caller treats as an error: 5xx become this, as a WebClient's would. */
  static final class ServerError extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final int status;

    ServerError(int status) {
      super("status " + status);
      this.status = status;
    }
  }

  /** A GET of the backend whose 4xx and 5xx statuses are errors, as a typical client maps them. */
  private Mono<String> get(HttpClient client) {
    return client
        .get()
        .uri(backend.uri("/users/1").toString())
        .responseSingle(
            (response, body) ->
                body.asString()
                    .flatMap(
                        text -> {
                          int status = response.status().code();
                          return status >= 400
                              ? Mono.error(new ServerError(status))
                              : Mono.just(text);
                        }));
  }

  /** The body of a GET as a Flux of lines as they arrive. */
  private Flux<String> lines() {
    return http.get()
        .uri(backend.uri("/feed").toString())
        .responseContent()
        .asString()
        .flatMapIterable(chunk -> List.of(chunk.split("\n")));
  }

  /** Makes {@code n} calls one after another; returns how many were rejected locally. */
  private int call(Mono<String> guarded, int n) {
    int rejected = 0;
    for (int i = 0; i < n; i++) {
      try {
        guarded.block(WAIT);
      } catch (NotAllowedException e) {
        rejected++;
      } catch (RuntimeException e) {
        // the backend's failure, counted by the breaker
      }
    }
    return rejected;
  }

  private BackstopOperator<String> operator() {
    return BackstopOperator.of(backstop, "users.get");
  }

  @Test
  void aDeadBackendIsShedAndRejectedCallsNeverReachIt() {
    Mono<String> guarded = get(http).transformDeferred(operator());
    assertThat(call(guarded, 50)).isZero();
    assertThat(backend.requests()).isEqualTo(50);

    ticker.advance(Duration.ofSeconds(1)); // the backend dies a second later
    backend.status(503);
    int calls = 1_000;
    int rejected = call(guarded, calls);

    assertThat(rejected).isGreaterThan(calls * 9 / 10);
    assertThat(backend.requests()).isEqualTo(50 + calls - rejected);
    assertThat(backstop.snapshot("users.get").state()).isEqualTo(State.OPEN);

    backend.status(200);
    ticker.advance(WINDOW);
    assertThat(call(guarded, 200)).isZero();
    assertThat(backend.requests()).isEqualTo(50 + calls - rejected + 200);
    assertThat(backstop.snapshot("users.get")).isEqualTo(new Snapshot(200, 200, 0, State.CLOSED));
  }

  @Test
  void aStoppedBackendRefusesConnectionsThatCountAsFailuresAndIsShed() {
    Mono<String> guarded = get(http).transformDeferred(operator());
    backend.stop();
    assertThatThrownBy(() -> guarded.block(WAIT)).hasRootCauseInstanceOf(ConnectException.class);
    int rejected = call(guarded, 500);
    assertThat(rejected).isGreaterThan(450);
    Snapshot open = backstop.snapshot("users.get");
    assertThat(open.accepts()).isZero();
    assertThat(open.state()).isEqualTo(State.OPEN);

    backend.restart();
    ticker.advance(WINDOW);
    assertThat(call(guarded, 200)).isZero();
    assertThat(backend.requests()).isEqualTo(200);
    assertThat(backstop.snapshot("users.get")).isEqualTo(new Snapshot(200, 200, 0, State.CLOSED));
  }

  @Test
  void aReadTimeoutIsAFailure() throws Exception {
    RecordingBreaker breaker = new RecordingBreaker("users.get");
    Backstop recording = Backstop.builder().breakers(op -> breaker).build();
    backend.hang();
    HttpClient impatient = http.responseTimeout(Duration.ofMillis(200));
    assertThatThrownBy(
            () ->
                get(impatient)
                    .transformDeferred(BackstopOperator.of(recording, "users.get"))
                    .block(WAIT))
        .isInstanceOf(ReadTimeoutException.class);
    assertThat(breaker.awaitMarks(1, WAIT)).isEqualTo(new Counts(1, 0, 1, 0, 0));
  }

  @Test
  void aTimeoutUpstreamIsAFailureButATimeoutDownstreamCancelsAndIsIgnored() throws Exception {
    RecordingBreaker breaker = new RecordingBreaker("users.get");
    Backstop recording = Backstop.builder().breakers(op -> breaker).build();
    BackstopOperator<String> op = BackstopOperator.of(recording, "users.get");
    backend.hang();
    Duration limit = Duration.ofMillis(200);

    assertThatThrownBy(() -> get(http).timeout(limit).transformDeferred(op).block(WAIT))
        .hasCauseInstanceOf(TimeoutException.class);
    assertThat(breaker.awaitMarks(1, WAIT)).isEqualTo(new Counts(1, 0, 1, 0, 0));

    assertThatThrownBy(() -> get(http).transformDeferred(op).timeout(limit).block(WAIT))
        .hasCauseInstanceOf(TimeoutException.class);
    assertThat(breaker.awaitMarks(2, WAIT)).isEqualTo(new Counts(2, 0, 1, 1, 0));
    backend.awaitRequests(2, WAIT);
  }

  @Test
  void anAnswerThatFailureWhenExcludesIsASuccess() {
    BackstopOperator<String> op =
        BackstopOperator.builder(backstop, "users.get")
            .failureWhen(e -> !(e instanceof ServerError s) || s.status >= 500)
            .build();
    backend.status(404);
    assertThat(call(get(http).transformDeferred(op), 300)).isZero();
    assertThat(backend.requests()).isEqualTo(300);
    assertThat(backstop.snapshot("users.get")).isEqualTo(new Snapshot(300, 300, 0, State.CLOSED));
  }

  @Test
  void aThousandCancelledCallsLeaveAHealthyBackendsBreakerClosed() throws Exception {
    RecordingBreaker breaker = new RecordingBreaker("users.get");
    Backstop recording = Backstop.builder().breakers(op -> breaker).build();
    Mono<String> recorded =
        get(http).transformDeferred(BackstopOperator.of(recording, "users.get"));
    Mono<String> guarded = get(http).transformDeferred(operator());
    for (int i = 0; i < 1_000; i++) {
      recorded.subscribe().dispose();
      guarded.subscribe().dispose();
    }
    // A call the server answered before its cancel is a success; nothing is a failure.
    Counts counts = breaker.counts();
    assertThat(counts.allowed()).isEqualTo(1_000);
    assertThat(counts.failures()).isZero();
    assertThat(counts.successes() + counts.ignored()).isEqualTo(1_000);
    assertThat(counts.ignored()).isGreaterThan(900);
    Snapshot s = backstop.snapshot("users.get");
    assertThat(s.accepts()).isEqualTo(s.total());
    assertThat(s.state()).isEqualTo(State.CLOSED);

    // Cancelled while the backend holds them: in flight for sure, still ignored.
    backend.hang();
    int inFlight = 50;
    for (int i = 0; i < inFlight; i++) {
      Disposable call = recorded.subscribe(v -> {}, e -> {});
      backend.awaitRequests(i + 1, WAIT);
      call.dispose();
    }
    int answered = counts.successes();
    assertThat(breaker.counts())
        .isEqualTo(new Counts(1_050, answered, 0, 1_050 - answered, 0));
    backend.release();
    assertThat(recorded.block(WAIT)).isEqualTo("status 200");
    assertThat(breaker.counts())
        .isEqualTo(new Counts(1_051, answered + 1, 0, 1_050 - answered, 0));
  }

  @Test
  void aFluxTakenBeforeItsEndIsASuccessAndOneCancelledBeforeAnyLineIsIgnored() throws Exception {
    RecordingBreaker breaker = new RecordingBreaker("feed");
    Backstop recording = Backstop.builder().breakers(op -> breaker).build();
    BackstopOperator<String> op = BackstopOperator.of(recording, "feed");

    backend.trickle();
    assertThat(lines().transformDeferred(op).next().block(WAIT)).isEqualTo("first");
    assertThat(breaker.counts()).isEqualTo(new Counts(1, 1, 0, 0, 0));

    backend.hang();
    Disposable waiting = lines().transformDeferred(op).subscribe(v -> {}, e -> {});
    backend.awaitRequests(2, WAIT);
    waiting.dispose();
    assertThat(breaker.counts()).isEqualTo(new Counts(2, 1, 0, 1, 0));

    backend.release();
    assertThat(lines().transformDeferred(op).collectList().block(WAIT))
        .containsExactly("status 200");
    assertThat(breaker.counts()).isEqualTo(new Counts(3, 2, 0, 1, 0));
  }

  @Test
  void aFluxWhoseConnectionDropsAfterALineIsAFailure() throws Exception {
    RecordingBreaker breaker = new RecordingBreaker("feed");
    Backstop recording = Backstop.builder().breakers(op -> breaker).build();
    backend.breakAfterFirstLine();
    List<String> seen = new ArrayList<>();
    assertThatThrownBy(
            () ->
                lines()
                    .transformDeferred(BackstopOperator.of(recording, "feed"))
                    .doOnNext(seen::add)
                    .blockLast(WAIT))
        .isInstanceOf(RuntimeException.class);
    assertThat(seen).containsExactly("first");
    assertThat(breaker.counts()).isEqualTo(new Counts(1, 0, 1, 0, 0));
  }

  @Test
  void retriesAskTheBreakerAgainAndStopAtItsRejection() {
    RecordingBreaker breaker = new RecordingBreaker("users.get").rejectWhen(n -> n >= 40);
    Backstop recording = Backstop.builder().breakers(op -> breaker).build();
    backend.status(503);
    Mono<String> retried =
        get(http)
            .transformDeferred(BackstopOperator.of(recording, "users.get"))
            .retryWhen(Retry.max(3).filter(e -> !(e instanceof NotAllowedException)));
    // The first 10 calls are each asked for 4 times (1 + 3 retries), all allowed, all failing;
    // from then on every first ask is rejected and the filter stops the retries.
    assertThat(call(retried, 100)).isEqualTo(90);
    assertThat(backend.requests()).isEqualTo(40);
    assertThat(breaker.counts()).isEqualTo(new Counts(40, 0, 40, 0, 90));
  }
}
