package dev.backstop.httpclient5;

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
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.hc.client5.http.async.methods.SimpleHttpRequest;
import org.apache.hc.client5.http.async.methods.SimpleHttpResponse;
import org.apache.hc.client5.http.async.methods.SimpleRequestBuilder;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.ChainElement;
import org.apache.hc.client5.http.impl.DefaultHttpRequestRetryStrategy;
import org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient;
import org.apache.hc.client5.http.impl.async.HttpAsyncClients;
import org.apache.hc.client5.http.impl.nio.PoolingAsyncClientConnectionManagerBuilder;
import org.apache.hc.core5.concurrent.FutureCallback;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.util.TimeValue;
import org.apache.hc.core5.util.Timeout;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The handler in real async clients against a real server on loopback that fails on command.
 * Breakers are the default {@code SreBreaker}s on a fake clock that only the tests move, or a
 * {@link RecordingBreaker} where a row needs exact counts.
 */
class AsyncClientTest {

  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final Duration WINDOW = Duration.ofSeconds(3);

  private final FakeTicker ticker = new FakeTicker();
  private final Backstop backstop = Backstop.builder().ticker(ticker).build();
  private final RecordingBreaker breaker = new RecordingBreaker("recorded");
  private final Backstop recording = Backstop.builder().breakers(op -> breaker).build();
  private final HttpBackend backend = HttpBackend.start();
  private final List<CloseableHttpAsyncClient> clients = new ArrayList<>();

  @AfterEach
  void tearDown() {
    backend.close();
    clients.forEach(c -> c.close(CloseMode.IMMEDIATE));
  }

  /** A started client without retries of its own, with the handler at the default place. */
  private CloseableHttpAsyncClient client(Backstop b) {
    return client(b, ChainElement.RETRY, 0);
  }

  /** A started client that retries 503s and I/O errors, the handler before {@code place}. */
  private CloseableHttpAsyncClient client(Backstop b, ChainElement place, int retries) {
    CloseableHttpAsyncClient client =
        HttpAsyncClients.custom()
            // A cancel that races HttpClient's own bookkeeping can leave an exchange running
            // on its connection: room for the in-flight cancels below, whatever the race does.
            .setConnectionManager(
                PoolingAsyncClientConnectionManagerBuilder.create()
                    .setMaxConnPerRoute(50)
                    .setMaxConnTotal(50)
                    .build())
            .setRetryStrategy(
                new DefaultHttpRequestRetryStrategy(retries, TimeValue.ofMilliseconds(1)))
            .addExecInterceptorBefore(place.name(), BackstopExec.NAME, BackstopExec.create(b))
            .build();
    client.start();
    clients.add(client);
    return client;
  }

  private SimpleHttpRequest request() {
    return SimpleRequestBuilder.get(backend.uri("/users/1")).build();
  }

  /** The status of a GET, or the exception that failed its future. */
  record Result(int status, Throwable error) {
    boolean rejected() {
      return error instanceof NotAllowedIOException;
    }
  }

  private static Result await(Future<SimpleHttpResponse> future) throws InterruptedException {
    try {
      return new Result(future.get(WAIT.toSeconds(), TimeUnit.SECONDS).getCode(), null);
    } catch (ExecutionException e) {
      return new Result(-1, e.getCause());
    } catch (java.util.concurrent.TimeoutException e) {
      throw new AssertionError("no answer within " + WAIT, e);
    }
  }

  private Result get(CloseableHttpAsyncClient client) throws InterruptedException {
    return await(client.execute(request(), null));
  }

  private int send(CloseableHttpAsyncClient client, int n) throws InterruptedException {
    int rejected = 0;
    for (int i = 0; i < n; i++) {
      if (get(client).rejected()) {
        rejected++;
      }
    }
    return rejected;
  }

  @Test
  void aDeadBackendIsShedAndRejectedRequestsNeverReachIt() throws Exception {
    CloseableHttpAsyncClient client = client(backstop);
    assertThat(send(client, 50)).isZero();
    ticker.advance(Duration.ofSeconds(1)); // the backend dies a second later
    backend.status(503);

    int calls = 1_000;
    int rejected = send(client, calls);

    assertThat(rejected).isGreaterThan(calls * 9 / 10);
    assertThat(backend.requests()).isEqualTo(50 + calls - rejected);
    assertThat(backstop.snapshot(backend.origin()).state()).isEqualTo(State.OPEN);

    backend.status(200);
    ticker.advance(WINDOW);
    int before = backend.requests();
    assertThat(send(client, 200)).isZero();
    assertThat(backend.requests()).isEqualTo(before + 200);
    assertThat(backstop.snapshot(backend.origin()))
        .isEqualTo(new Snapshot(200, 200, 0, State.CLOSED));
  }

  @Test
  void aRejectionFailsTheFutureAndTheCallbackWithNotAllowedIOException() throws Exception {
    breaker.rejectAll();
    CompletableFuture<Exception> failed = new CompletableFuture<>();
    Future<SimpleHttpResponse> future =
        client(recording)
            .execute(
                request(),
                new FutureCallback<>() {
                  @Override
                  public void completed(SimpleHttpResponse result) {
                    failed.completeExceptionally(new AssertionError("completed"));
                  }

                  @Override
                  public void failed(Exception ex) {
                    failed.complete(ex);
                  }

                  @Override
                  public void cancelled() {
                    failed.completeExceptionally(new AssertionError("cancelled"));
                  }
                });
    Result r = await(future);
    assertThat(r.rejected()).isTrue();
    assertThat(failed.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isSameAs(r.error());
    NotAllowedIOException e = (NotAllowedIOException) r.error();
    assertThat(e.operation()).isEqualTo(backend.origin());
    assertThat(e.getCause()).isSameAs(breaker.rejection());
    assertThat(e.getCause()).isInstanceOf(NotAllowedException.class);
    assertThat(backend.requests()).isZero();
    assertThat(breaker.counts()).isEqualTo(new Counts(0, 0, 0, 0, 1));
  }

  @Test
  void refusedConnectionsAreFailuresAndTheBreakerRecoversOnceTheServerIsBack() throws Exception {
    CloseableHttpAsyncClient client = client(backstop);
    backend.stop();
    Result refused = get(client);
    assertThat(refused.error()).isInstanceOf(ConnectException.class);
    assertThat(refused.rejected()).isFalse();
    assertThat(send(client, 500)).isGreaterThan(450);
    assertThat(backstop.snapshot(backend.origin()).state()).isEqualTo(State.OPEN);

    backend.restart();
    ticker.advance(WINDOW);
    assertThat(send(client, 200)).isZero();
    assertThat(backend.requests()).isEqualTo(200);
    assertThat(backstop.snapshot(backend.origin()))
        .isEqualTo(new Snapshot(200, 200, 0, State.CLOSED));
  }

  @Test
  void statusesAreJudgedByTheDefaultRule() throws Exception {
    CloseableHttpAsyncClient client = client(recording);
    int[] statuses = {500, 503, 504, 200, 404, 429, 502};
    for (int status : statuses) {
      backend.status(status);
      assertThat(get(client).status()).isEqualTo(status);
    }
    assertThat(breaker.counts()).isEqualTo(new Counts(7, 4, 3, 0, 0));
  }

  @Test
  void aResponseTimeoutIsAFailure() throws Exception {
    backend.hang();
    SimpleHttpRequest request = request();
    request.setConfig(
        RequestConfig.custom().setResponseTimeout(Timeout.ofMilliseconds(200)).build());
    Result r = await(client(recording).execute(request, null));
    assertThat(r.error()).isInstanceOf(SocketTimeoutException.class);
    assertThat(breaker.counts()).isEqualTo(new Counts(1, 0, 1, 0, 0));
  }

  @Test
  void beforeRetryTheClientsRetriesAreOneDecisionAndBeforeProtocolEachAttemptIs() throws Exception {
    backend.status(503);
    assertThat(get(client(recording, ChainElement.RETRY, 2)).status()).isEqualTo(503);
    assertThat(backend.requests()).isEqualTo(3);
    assertThat(breaker.counts()).isEqualTo(new Counts(1, 0, 1, 0, 0));

    assertThat(get(client(recording, ChainElement.PROTOCOL, 2)).status()).isEqualTo(503);
    assertThat(backend.requests()).isEqualTo(6);
    assertThat(breaker.counts()).isEqualTo(new Counts(4, 0, 4, 0, 0));

    breaker.rejectAll();
    assertThat(get(client(recording, ChainElement.PROTOCOL, 3)).rejected()).isTrue();
    assertThat(backend.requests()).isEqualTo(6);
    assertThat(breaker.counts()).isEqualTo(new Counts(4, 0, 4, 0, 1));
  }

  @Test
  void aThousandCancelledRequestsLeaveAHealthyBackendsBreakerClosed() throws Exception {
    CloseableHttpAsyncClient recorded = client(recording);
    CloseableHttpAsyncClient guarded = client(backstop);
    for (int i = 0; i < 1_000; i++) {
      for (CloseableHttpAsyncClient c : List.of(recorded, guarded)) {
        Future<SimpleHttpResponse> future = c.execute(request(), null);
        future.cancel(true);
      }
    }
    // A response that arrived before the cancel is a success; every other call is ignored, even
    // when HttpClient lets the cancelled exchange run on and the backend's answer arrives later.
    Counts c = breaker.awaitMarks(1_000, WAIT);
    assertThat(c.allowed()).isEqualTo(1_000);
    assertThat(c.failures()).isZero();
    assertThat(c.ignored() + c.successes()).isEqualTo(1_000);
    assertThat(c.ignored()).isGreaterThan(900);
    Snapshot s = backstop.snapshot(backend.origin());
    assertThat(s.total() - s.accepts()).isZero();
    assertThat(s.state()).isEqualTo(State.CLOSED);

    // Cancelled while a backend holds them: sent for sure, still ignored.
    try (HttpBackend slow = HttpBackend.start().hang()) {
      for (int i = 0; i < 20; i++) {
        Future<SimpleHttpResponse> future =
            recorded.execute(SimpleRequestBuilder.get(slow.uri("/users/1")).build(), null);
        slow.awaitRequests(i + 1, WAIT);
        future.cancel(true);
      }
    }
    Counts after = breaker.awaitMarks(1_020, WAIT);
    assertThat(after.ignored()).isEqualTo(c.ignored() + 20);
    assertThat(after.inFlight()).isZero();
  }

  /** A future's callback signals, in order. */
  private static final class Signals implements FutureCallback<SimpleHttpResponse> {
    final List<String> seen = new CopyOnWriteArrayList<>();
    final CountDownLatch done = new CountDownLatch(1);

    @Override
    public void completed(SimpleHttpResponse result) {
      seen.add("completed");
      done.countDown();
    }

    @Override
    public void failed(Exception ex) {
      seen.add("failed");
      done.countDown();
    }

    @Override
    public void cancelled() {
      seen.add("cancelled");
      done.countDown();
    }
  }

  @ParameterizedTest
  @EnumSource(CloseMode.class)
  void closingTheClientCancelsARequestInFlightAndIgnoresItOnce(CloseMode mode) throws Exception {
    CloseableHttpAsyncClient closing =
        BackstopExec.create(recording).asyncClientBuilder().build();
    closing.start();
    clients.add(closing);
    backend.hang();
    Signals signals = new Signals();
    Future<SimpleHttpResponse> future = closing.execute(request(), signals);
    backend.awaitRequests(1, WAIT);
    closing.close(mode);

    assertThat(signals.done.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    assertThat(future.isCancelled()).isTrue();
    assertThat(signals.seen).containsExactly("cancelled");
    assertThat(breaker.counts()).isEqualTo(new Counts(1, 0, 0, 1, 0));
    backend.release();
    assertThat(breaker.counts()).isEqualTo(new Counts(1, 0, 0, 1, 0));
  }

  @Test
  void installedWithoutTheBuilderTheHandlerNeverLearnsOfTheClose() throws Exception {
    CloseableHttpAsyncClient closing = client(recording); // addExecInterceptorBefore: no hook
    backend.hang();
    Future<SimpleHttpResponse> future = closing.execute(request(), null);
    backend.awaitRequests(1, WAIT);
    closing.close(CloseMode.IMMEDIATE);

    // HttpClient 5.6.5 leaves the future pending and tells the chain nothing.
    assertThatThrownBy(() -> future.get(500, TimeUnit.MILLISECONDS))
        .isInstanceOf(TimeoutException.class);
    assertThat(breaker.counts()).isEqualTo(new Counts(1, 0, 0, 0, 0));
  }

  @Test
  void anUncheckedExceptionFromTheChainFailsTheFutureAndIsIgnored() throws Exception {
    IllegalStateException bug = new IllegalStateException("a later handler's bug");
    CloseableHttpAsyncClient buggy =
        BackstopExec.create(recording)
            .asyncClientBuilder()
            .addExecInterceptorLast(
                "BUG",
                (request, entityProducer, scope, chain, callback) -> {
                  throw bug;
                })
            .build();
    buggy.start();
    clients.add(buggy);
    assertThat(get(buggy).error()).isSameAs(bug);
    assertThat(breaker.counts()).isEqualTo(new Counts(1, 0, 0, 1, 0));
    assertThat(backend.requests()).isZero();
  }
}
