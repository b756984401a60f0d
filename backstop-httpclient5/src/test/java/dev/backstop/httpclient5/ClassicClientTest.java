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
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.hc.client5.http.ClientProtocolException;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.ChainElement;
import org.apache.hc.client5.http.impl.DefaultHttpRequestRetryStrategy;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClientBuilder;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.client5.http.protocol.HttpClientContext;
import org.apache.hc.core5.http.ProtocolException;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.http.protocol.HttpContext;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.util.TimeValue;
import org.apache.hc.core5.util.Timeout;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The handler in real classic clients against a real server on loopback that fails on command.
 * Breakers are the default {@code SreBreaker}s on a fake clock that only the tests move, or a
 * {@link RecordingBreaker} where a row needs exact counts.
 */
class ClassicClientTest {

  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final Duration WINDOW = Duration.ofSeconds(3);

  private final FakeTicker ticker = new FakeTicker();
  private final Backstop backstop = Backstop.builder().ticker(ticker).build();
  private final RecordingBreaker breaker = new RecordingBreaker("recorded");
  private final Backstop recording = Backstop.builder().breakers(op -> breaker).build();
  private final HttpBackend backend = HttpBackend.start();
  private final List<CloseableHttpClient> clients = new ArrayList<>();
  private final ExecutorService threads = Executors.newCachedThreadPool();

  @AfterEach
  void tearDown() throws IOException {
    backend.close();
    threads.shutdownNow();
    for (CloseableHttpClient c : clients) {
      c.close();
    }
  }

  /** A client without retries of its own, with the handler at the default place. */
  private CloseableHttpClient client(Backstop b) {
    return client(b, ChainElement.RETRY, 0);
  }

  /** A client that retries 503s and I/O errors, with the handler before {@code place}. */
  private CloseableHttpClient client(Backstop b, ChainElement place, int retries) {
    HttpClientBuilder builder =
        HttpClients.custom()
            .setRetryStrategy(
                new DefaultHttpRequestRetryStrategy(retries, TimeValue.ofMilliseconds(1)))
            .addExecInterceptorBefore(place.name(), BackstopExec.NAME, BackstopExec.create(b));
    return track(builder.build());
  }

  private CloseableHttpClient track(CloseableHttpClient client) {
    clients.add(client);
    return client;
  }

  /** The status of a GET of the backend, or the exception it threw. */
  record Result(int status, Exception error) {
    boolean rejected() {
      return error instanceof NotAllowedIOException;
    }
  }

  private Result get(CloseableHttpClient client, HttpGet request, HttpContext context) {
    try {
      int status =
          client.execute(
              request,
              context,
              response -> {
                EntityUtils.consume(response.getEntity());
                return response.getCode();
              });
      return new Result(status, null);
    } catch (IOException | RuntimeException e) {
      // A request cancelled before it starts may throw IllegalStateException from HttpClient.
      return new Result(-1, e);
    }
  }

  private Result get(CloseableHttpClient client) {
    return get(client, new HttpGet(backend.uri("/users/1")), null);
  }

  /** Sends {@code n} GETs one after another and returns how many were rejected locally. */
  private int send(CloseableHttpClient client, int n) {
    int rejected = 0;
    for (int i = 0; i < n; i++) {
      if (get(client).rejected()) {
        rejected++;
      }
    }
    return rejected;
  }

  @Test
  void aDeadBackendIsShedAndRejectedRequestsNeverReachIt() {
    CloseableHttpClient client = client(backstop);
    assertThat(send(client, 50)).isZero();
    ticker.advance(Duration.ofSeconds(1)); // the backend dies a second later
    backend.status(503);

    int calls = 1_000;
    int rejected = send(client, calls);

    assertThat(rejected).isGreaterThan(calls * 9 / 10);
    assertThat(backend.requests()).isEqualTo(50 + calls - rejected);
    assertThat(backstop.snapshot(backend.origin()).state()).isEqualTo(State.OPEN);
    Result shed = get(client);
    assertThat(shed.rejected()).isTrue();
    NotAllowedIOException e = (NotAllowedIOException) shed.error();
    assertThat(e).isInstanceOf(ConnectException.class);
    assertThat(e.operation()).isEqualTo(backend.origin());
    assertThat(e.getCause()).isInstanceOf(NotAllowedException.class);
    assertThat(e.getCause().code()).isEqualTo(503);
    assertThat(e.getStackTrace()).isEmpty();

    backend.status(200);
    ticker.advance(WINDOW);
    int before = backend.requests();
    assertThat(send(client, 200)).isZero();
    assertThat(backend.requests()).isEqualTo(before + 200);
    assertThat(backstop.snapshot(backend.origin()))
        .isEqualTo(new Snapshot(200, 200, 0, State.CLOSED));
  }

  @Test
  void refusedConnectionsAreFailuresAndTheBreakerRecoversOnceTheServerIsBack() {
    CloseableHttpClient client = client(backstop);
    backend.stop();
    Result refused = get(client);
    assertThat(refused.error()).isInstanceOf(ConnectException.class);
    assertThat(refused.rejected()).isFalse();
    assertThat(send(client, 500)).isGreaterThan(450);
    Snapshot open = backstop.snapshot(backend.origin());
    assertThat(open.accepts()).isZero();
    assertThat(open.state()).isEqualTo(State.OPEN);

    backend.restart();
    ticker.advance(WINDOW);
    assertThat(send(client, 200)).isZero();
    assertThat(backend.requests()).isEqualTo(200);
    assertThat(backstop.snapshot(backend.origin()))
        .isEqualTo(new Snapshot(200, 200, 0, State.CLOSED));
  }

  @ParameterizedTest
  @CsvSource({"500, 0, 1", "503, 0, 1", "504, 0, 1", "200, 1, 0", "404, 1, 0", "429, 1, 0",
      "400, 1, 0", "501, 1, 0", "502, 1, 0"})
  void statusesAreJudgedByTheDefaultRule(int status, int successes, int failures) {
    backend.status(status);
    assertThat(get(client(recording)).status()).isEqualTo(status);
    assertThat(breaker.counts()).isEqualTo(new Counts(1, successes, failures, 0, 0));
  }

  @Test
  void aResponseTimeoutIsAFailure() {
    backend.hang();
    HttpGet request = new HttpGet(backend.uri("/slow"));
    request.setConfig(
        RequestConfig.custom().setResponseTimeout(Timeout.ofMilliseconds(200)).build());
    Result r = get(client(recording), request, null);
    assertThat(r.error()).isInstanceOf(SocketTimeoutException.class);
    assertThat(breaker.counts()).isEqualTo(new Counts(1, 0, 1, 0, 0));
  }

  @Test
  void beforeRetryTheClientsRetriesAreOneDecisionJudgedOnTheLastAttempt() {
    backend.status(503);
    assertThat(get(client(recording, ChainElement.RETRY, 2)).status()).isEqualTo(503);
    assertThat(backend.requests()).isEqualTo(3);
    assertThat(breaker.counts()).isEqualTo(new Counts(1, 0, 1, 0, 0));
  }

  @Test
  void beforeProtocolEachAttemptIsADecision() {
    backend.status(503);
    assertThat(get(client(recording, ChainElement.PROTOCOL, 2)).status()).isEqualTo(503);
    assertThat(backend.requests()).isEqualTo(3);
    assertThat(breaker.counts()).isEqualTo(new Counts(3, 0, 3, 0, 0));
  }

  @Test
  void aRejectionInsideTheRetryLoopIsNotRetriedByTheDefaultStrategy() {
    breaker.rejectAll();
    long start = System.nanoTime();
    Result r = get(client(recording, ChainElement.PROTOCOL, 3));
    assertThat(r.rejected()).isTrue();
    assertThat(breaker.counts()).isEqualTo(new Counts(0, 0, 0, 0, 1));
    assertThat(backend.requests()).isZero();
    // HttpClient's own default strategy: 1 retry after 1 s, but never for a ConnectException.
    CloseableHttpClient defaults =
        track(
            HttpClients.custom()
                .addExecInterceptorBefore(
                    ChainElement.PROTOCOL.name(), BackstopExec.NAME, BackstopExec.create(recording))
                .build());
    assertThat(get(defaults).rejected()).isTrue();
    assertThat(breaker.counts()).isEqualTo(new Counts(0, 0, 0, 0, 2));
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));
  }

  @Test
  void withoutRetriesThereIsNoRetryElementSoTheHandlerGoesBeforeProtocol() {
    BackstopExec exec = BackstopExec.create(recording);
    CloseableHttpClient skipped =
        track(
            HttpClients.custom()
                .disableAutomaticRetries()
                .addExecInterceptorBefore(ChainElement.RETRY.name(), BackstopExec.NAME, exec)
                .build());
    assertThat(get(skipped).status()).isEqualTo(200);
    assertThat(breaker.counts()).isEqualTo(new Counts(0, 0, 0, 0, 0)); // silently not installed

    CloseableHttpClient installed =
        track(
            HttpClients.custom()
                .disableAutomaticRetries()
                .addExecInterceptorBefore(ChainElement.PROTOCOL.name(), BackstopExec.NAME, exec)
                .build());
    assertThat(get(installed).status()).isEqualTo(200);
    assertThat(breaker.counts()).isEqualTo(new Counts(1, 1, 0, 0, 0));
  }

  @Test
  void aThousandCancelledRequestsLeaveAHealthyBackendsBreakerClosed() throws Exception {
    CloseableHttpClient recorded = client(recording);
    CloseableHttpClient guarded = client(backstop);
    for (int i = 0; i < 1_000; i++) {
      for (CloseableHttpClient c : List.of(recorded, guarded)) {
        HttpGet request = new HttpGet(backend.uri("/users/1"));
        request.cancel();
        assertThat(get(c, request, null).error()).isNotNull();
      }
    }
    assertThat(breaker.counts()).isEqualTo(new Counts(1_000, 0, 0, 1_000, 0));
    Snapshot s = backstop.snapshot(backend.origin());
    assertThat(s.total()).isZero();
    assertThat(s.state()).isEqualTo(State.CLOSED);
    assertThat(backend.requests()).isZero();

    // Aborted while the backend holds them: sent for sure, still ignored.
    backend.hang();
    int inFlight = 20;
    for (int i = 0; i < inFlight; i++) {
      HttpGet request = new HttpGet(backend.uri("/users/1"));
      Future<Result> call = threads.submit(() -> get(recorded, request, null));
      backend.awaitRequests(i + 1, WAIT);
      request.cancel();
      assertThat(call.get(WAIT.toSeconds(), TimeUnit.SECONDS).error()).isNotNull();
    }
    assertThat(breaker.counts()).isEqualTo(new Counts(1_020, 0, 0, 1_020, 0));
    backend.release();
    assertThat(get(recorded).status()).isEqualTo(200);
    assertThat(breaker.counts()).isEqualTo(new Counts(1_021, 1, 0, 1_020, 0));
  }

  @Test
  void aCallerInterruptedWhileWaitingForAConnectionIsIgnored() throws Exception {
    CloseableHttpClient one =
        track(
            HttpClients.custom()
                .setConnectionManager(
                    PoolingHttpClientConnectionManagerBuilder.create()
                        .setMaxConnPerRoute(1)
                        .setMaxConnTotal(1)
                        .build())
                .addExecInterceptorBefore(
                    ChainElement.RETRY.name(), BackstopExec.NAME, BackstopExec.create(recording))
                .build());
    backend.hang();
    HttpGet holder = new HttpGet(backend.uri("/slow"));
    Future<Result> held = threads.submit(() -> get(one, holder, null));
    backend.awaitRequests(1, WAIT);
    Future<Result> waiting = threads.submit(() -> get(one, new HttpGet(backend.uri("/")), null));
    breaker.awaitAllowed(2, WAIT);
    waiting.cancel(true); // interrupts the thread waiting for the only connection
    assertThat(breaker.awaitMarks(1, WAIT)).isEqualTo(new Counts(2, 0, 0, 1, 0));
    backend.release();
    assertThat(held.get(WAIT.toSeconds(), TimeUnit.SECONDS).status()).isEqualTo(200);
    assertThat(breaker.counts()).isEqualTo(new Counts(2, 1, 0, 1, 0));
    assertThat(backend.requests()).isEqualTo(1);
  }


  @Test
  void theOperationComesFromTheContextThenTheFunctionThenTheOrigin() {
    Backstop shared = Backstop.create();
    CloseableHttpClient byOrigin = client(shared);
    HttpClientContext context = HttpClientContext.create();
    context.setAttribute(Operation.ATTRIBUTE, Operation.of("users.get"));
    HttpGet named = new HttpGet(backend.uri("/users/1"));
    assertThat(get(byOrigin, named, context).status()).isEqualTo(200);
    HttpGet upper = new HttpGet(URI.create("HTTP://LOCALHOST:" + backend.port() + "/users/2"));
    assertThat(get(byOrigin, upper, null).status()).isEqualTo(200);
    assertThat(get(byOrigin).status()).isEqualTo(200);

    CloseableHttpClient byPath =
        track(
            HttpClients.custom()
                .addExecInterceptorBefore(
                    ChainElement.RETRY.name(),
                    BackstopExec.NAME,
                    BackstopExec.builder()
                        .backstop(shared)
                        .operation(r -> r.getMethod() + " " + r.getPath())
                        .build())
                .build());
    assertThat(get(byPath, new HttpGet(backend.uri("/orders")), null).status()).isEqualTo(200);

    assertThat(shared.snapshots())
        .containsOnlyKeys(
            "users.get", "http://localhost:" + backend.port(), backend.origin(), "GET /orders");
  }

  @Test
  void aBadOperationFailsTheRequestBeforeItIsSent() {
    HttpClientContext context = HttpClientContext.create();
    context.setAttribute(Operation.ATTRIBUTE, "users.get");
    assertThatThrownBy(
            () ->
                client(recording)
                    .execute(new HttpGet(backend.uri("/")), context, r -> r.getCode()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "context attribute dev.backstop.operation must be an Operation,"
                + " was java.lang.String");
    CloseableHttpClient nulls =
        track(
            HttpClients.custom()
                .addExecInterceptorBefore(
                    ChainElement.RETRY.name(),
                    BackstopExec.NAME,
                    BackstopExec.builder().backstop(recording).operation(r -> null).build())
                .build());
    assertThatThrownBy(() -> nulls.execute(new HttpGet(backend.uri("/a?b")), r -> r.getCode()))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("operation returned null for GET /a?b");
    assertThat(backend.requests()).isZero();
    assertThat(breaker.counts()).isEqualTo(new Counts(0, 0, 0, 0, 0));
  }

  @Test
  void aFailureWhenThatThrowsCountsAsAFailureAndTheCallerStillGetsItsResponse() {
    CloseableHttpClient client =
        track(
            HttpClients.custom()
                .addExecInterceptorBefore(
                    ChainElement.RETRY.name(),
                    BackstopExec.NAME,
                    BackstopExec.builder()
                        .backstop(recording)
                        .failureWhen(
                            (response, error) -> {
                              throw new IllegalStateException("classifier bug");
                            })
                        .build())
                .build());
    assertThat(get(client).status()).isEqualTo(200);
    assertThat(breaker.counts()).isEqualTo(new Counts(1, 0, 1, 0, 0));
  }

  @Test
  void anotherGuardsRejectionFurtherDownIsIgnored() {
    RecordingBreaker inner = new RecordingBreaker("inner").rejectAll();
    Backstop shared = Backstop.builder().breakers(op -> op.equals("inner") ? inner : breaker).build();
    CloseableHttpClient nested =
        track(
            HttpClients.custom()
                .addExecInterceptorBefore(
                    ChainElement.RETRY.name(),
                    BackstopExec.NAME,
                    BackstopExec.builder().backstop(shared).operation(r -> "outer").build())
                .addExecInterceptorBefore(
                    ChainElement.PROTOCOL.name(),
                    "INNER",
                    BackstopExec.builder().backstop(shared).operation(r -> "inner").build())
                .build());

    Result result = get(nested);
    assertThat(result.error())
        .isInstanceOf(NotAllowedIOException.class)
        .hasCause(inner.rejection());
    assertThat(inner.counts()).isEqualTo(new Counts(0, 0, 0, 0, 1));
    assertThat(breaker.counts()).isEqualTo(new Counts(1, 0, 0, 1, 0));
    assertThat(backend.requests()).isZero();
  }

  @Test
  void anUncheckedExceptionFromTheChainReachesTheCallerAndIsIgnored() {
    IllegalStateException bug = new IllegalStateException("a later handler's bug");
    CloseableHttpClient buggy =
        track(
            BackstopExec.create(recording)
                .classicClientBuilder()
                .addExecInterceptorLast(
                    "BUG",
                    (request, scope, chain) -> {
                      throw bug;
                    })
                .build());

    assertThat(get(buggy).error()).isSameAs(bug);
    assertThat(breaker.counts()).isEqualTo(new Counts(1, 0, 0, 1, 0));
    assertThat(backend.requests()).isZero();
  }

  @Test
  void aProtocolErrorIsAFailureAndFailureWhenSeesTheHttpExceptionButNeverAClientBug() {
    List<Throwable> seen = new CopyOnWriteArrayList<>();
    BackstopExec exec =
        BackstopExec.builder()
            .backstop(recording)
            .failureWhen(
                (response, error) -> {
                  seen.add(error);
                  return BackstopExec.DEFAULT_FAILURE.test(response, error);
                })
            .build();
    ProtocolException broken = new ProtocolException("a response that breaks the protocol");
    CloseableHttpClient protocol =
        track(
            exec.classicClientBuilder()
                .addExecInterceptorLast(
                    "BROKEN",
                    (request, scope, chain) -> {
                      throw broken;
                    })
                .build());
    Result r = get(protocol);
    assertThat(r.error()).isInstanceOf(ClientProtocolException.class).hasCause(broken);
    assertThat(breaker.counts()).isEqualTo(new Counts(1, 0, 1, 0, 0));

    CloseableHttpClient buggy =
        track(
            exec.classicClientBuilder()
                .addExecInterceptorLast(
                    "BUG",
                    (request, scope, chain) -> {
                      throw new IllegalStateException("bug");
                    })
                .build());
    assertThat(get(buggy).error()).isInstanceOf(IllegalStateException.class);
    assertThat(breaker.counts()).isEqualTo(new Counts(2, 0, 1, 1, 0));
    assertThat(seen).containsExactly(broken); // asked about the protocol error only
  }

  @ParameterizedTest
  @EnumSource(CloseMode.class)
  void aRequestCutByTheClientsCloseIsIgnored(CloseMode mode) throws Exception {
    CloseableHttpClient closing =
        BackstopExec.create(recording)
            .classicClientBuilder()
            // No retry: the socket's error itself ends the request (a retry would find the pool
            // shut down, an IllegalStateException, ignored as well).
            .setRetryStrategy(new DefaultHttpRequestRetryStrategy(0, TimeValue.ofMilliseconds(1)))
            .build();
    backend.hang();
    Future<Result> held = threads.submit(() -> get(closing));
    backend.awaitRequests(1, WAIT);
    closing.close(mode);

    // The I/O error reaches the caller unchanged (the socket's SocketException, or HttpCore's
    // ConnectionClosedException when the close reaches the connection first); the breaker knows
    // the client closed it.
    assertThat(held.get(WAIT.toSeconds(), TimeUnit.SECONDS).error())
        .isInstanceOf(IOException.class);
    assertThat(breaker.awaitMarks(1, WAIT)).isEqualTo(new Counts(1, 0, 0, 1, 0));
    // A request after the close fails before it is sent, and is ignored too.
    assertThat(get(closing).error()).isInstanceOf(IllegalStateException.class);
    assertThat(breaker.counts()).isEqualTo(new Counts(2, 0, 0, 2, 0));
    assertThat(backend.requests()).isEqualTo(1);
  }

  @Test
  void aBackendThatResetsTheConnectionIsAFailureOnAClientThatKnowsOfItsClose() throws Exception {
    CloseableHttpClient client =
        track(
            BackstopExec.create(recording)
                .classicClientBuilder()
                .setRetryStrategy(
                    new DefaultHttpRequestRetryStrategy(0, TimeValue.ofMilliseconds(1)))
                .build());
    try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Future<?> resets =
          threads.submit(
              () -> {
                try (Socket s = server.accept()) {
                  s.getInputStream().read(new byte[4096]); // the request
                  s.setSoLinger(true, 0); // close with a reset
                }
                return null;
              });
      Result r = get(client, new HttpGet("http://127.0.0.1:" + server.getLocalPort() + "/"), null);
      resets.get(WAIT.toSeconds(), TimeUnit.SECONDS);
      assertThat(r.error()).isInstanceOf(IOException.class);
    }
    assertThat(breaker.counts()).isEqualTo(new Counts(1, 0, 1, 0, 0));
  }

  @Test
  void installedWithoutTheBuilderTheHandlerCannotTellTheClientsCloseFromAReset() throws Exception {
    CloseableHttpClient closing = client(recording); // addExecInterceptorBefore: no close hook
    backend.hang();
    Future<Result> held = threads.submit(() -> get(closing));
    backend.awaitRequests(1, WAIT);
    closing.close(CloseMode.IMMEDIATE);

    // SocketException or ConnectionClosedException, whichever side of the close comes first.
    assertThat(held.get(WAIT.toSeconds(), TimeUnit.SECONDS).error())
        .isInstanceOf(IOException.class);
    assertThat(breaker.awaitMarks(1, WAIT)).isEqualTo(new Counts(1, 0, 1, 0, 0));
  }
}
