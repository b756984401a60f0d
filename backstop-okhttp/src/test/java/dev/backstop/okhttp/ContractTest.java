package dev.backstop.okhttp;

import static dev.backstop.okhttp.Calls.await;
import static dev.backstop.okhttp.Calls.enqueue;
import static dev.backstop.okhttp.Calls.execute;
import static dev.backstop.okhttp.Calls.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.backstop.Backstop;
import dev.backstop.NotAllowedException;
import dev.backstop.testing.RecordingBreaker;
import dev.backstop.testing.RecordingBreaker.Counts;
import dev.backstop.okhttp.Calls.Result;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BiPredicate;
import java.util.function.Function;
import okhttp3.Call;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * How the interceptor follows the breaker contract, with breakers that count every call: one
 * decision per request, exactly one outcome, and nothing sent when rejected.
 */
class ContractTest {

  private final Calls calls = new Calls();
  private final List<TestServer> servers = new ArrayList<>();
  private final ConcurrentHashMap<String, RecordingBreaker> breakers = new ConcurrentHashMap<>();

  @AfterEach
  void tearDown() {
    calls.close();
    servers.forEach(TestServer::close);
  }

  private TestServer server() {
    TestServer server = TestServer.start();
    servers.add(server);
    return server;
  }

  private Backstop backstop(Function<String, RecordingBreaker> factory) {
    return Backstop.builder()
        .breakers(op -> breakers.computeIfAbsent(op, factory))
        .build();
  }

  private Backstop allowing() {
    return backstop(RecordingBreaker::new);
  }

  private Backstop rejecting() {
    return backstop(op -> new RecordingBreaker(op).rejectAll());
  }

  @Test
  void aRejectedCallIsNotSentAndFailsWithNotAllowedIOException() throws Exception {
    TestServer server = server();
    OkHttpClient client = calls.application(BackstopInterceptor.create(rejecting()));

    Result sync = execute(client, get(server));
    Result async = await(enqueue(client, get(server)));

    for (Result r : List.of(sync, async)) {
      assertThat(r.error()).isInstanceOf(NotAllowedIOException.class);
      NotAllowedIOException e = (NotAllowedIOException) r.error();
      assertThat(e.operation()).isEqualTo(server.origin());
      assertThat(e.getMessage())
          .isEqualTo(
              "request failed due to circuit breaker triggered (operation "
                  + server.origin()
                  + ")");
      assertThat(e.getCause()).isInstanceOf(NotAllowedException.class);
      assertThat(e.getCause().code()).isEqualTo(503);
      assertThat(e.getCause().reason()).isEqualTo("CIRCUITBREAKER");
      assertThat(e.getCause().operation()).isEqualTo(server.origin());
      assertThat(e.getStackTrace()).isEmpty();
    }
    assertThat(server.requests()).isZero();
    assertThat(breakers.get(server.origin()).counts()).isEqualTo(new Counts(0, 0, 0, 0, 2));
  }

  @Test
  void aRejectionIsOneDecisionEvenWithOkHttpRetriesOn() {
    TestServer server = server();
    BackstopInterceptor interceptor = BackstopInterceptor.create(rejecting());
    OkHttpClient app =
        calls.track(new OkHttpClient.Builder().addInterceptor(interceptor));
    OkHttpClient network =
        calls.track(new OkHttpClient.Builder().addNetworkInterceptor(interceptor));
    assertThat(app.retryOnConnectionFailure()).isTrue();

    assertThat(execute(app, get(server)).rejected()).isTrue();
    assertThat(execute(network, get(server)).rejected()).isTrue();

    assertThat(server.requests()).isZero();
    assertThat(breakers.get(server.origin()).counts()).isEqualTo(new Counts(0, 0, 0, 0, 2));
  }

  @Test
  void eachAllowedCallRecordsExactlyOneOutcome() throws Exception {
    TestServer server = server();
    OkHttpClient client = calls.application(BackstopInterceptor.create(allowing()));

    for (int status : new int[] {200, 201, 404, 429, 500, 502, 503, 504}) {
      server.status(status);
      assertThat(execute(client, get(server)).code()).isEqualTo(status);
      assertThat(await(enqueue(client, get(server))).code()).isEqualTo(status);
    }

    // 200 201 404 429 502: successes; 500 503 504: failures; twice each.
    assertThat(breakers.get(server.origin()).counts()).isEqualTo(new Counts(16, 10, 6, 0, 0));
    assertThat(server.requests()).isEqualTo(16);
  }

  @Test
  void aFollowedRedirectIsOneOutcomeForAnApplicationInterceptor() {
    TestServer target = server().status(503);
    TestServer server = server().redirectTo(target.url("/moved"));
    OkHttpClient client = calls.application(BackstopInterceptor.create(allowing()));

    assertThat(execute(client, get(server)).code()).isEqualTo(503);

    assertThat(breakers).containsOnlyKeys(server.origin());
    assertThat(breakers.get(server.origin()).counts()).isEqualTo(new Counts(1, 0, 1, 0, 0));
    assertThat(server.requests()).isEqualTo(1);
    assertThat(target.requests()).isEqualTo(1);
  }

  @Test
  void aRuntimeExceptionFromTheChainIsIgnoredAndRethrown() {
    TestServer server = server();
    OkHttpClient client =
        calls.track(
            new OkHttpClient.Builder()
                .addInterceptor(BackstopInterceptor.create(allowing()))
                .addInterceptor(
                    chain -> {
                      throw new IllegalStateException("boom");
                    }));

    assertThatThrownBy(() -> client.newCall(get(server)).execute())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("boom");
    assertThat(breakers.get(server.origin()).counts()).isEqualTo(new Counts(1, 0, 0, 1, 0));
    assertThat(server.requests()).isZero();
  }

  @Test
  void anIOExceptionFromTheChainCountsAsFailureAndIsRethrown() throws Exception {
    TestServer server = server();
    IOException failure = new IOException("reset");
    OkHttpClient client =
        calls.track(
            new OkHttpClient.Builder()
                .addInterceptor(BackstopInterceptor.create(allowing()))
                .addInterceptor(
                    chain -> {
                      throw failure;
                    }));

    assertThat(execute(client, get(server)).error()).isSameAs(failure);
    assertThat(await(enqueue(client, get(server))).error()).isSameAs(failure);
    assertThat(breakers.get(server.origin()).counts()).isEqualTo(new Counts(2, 0, 2, 0, 0));
  }

  @ParameterizedTest(name = "call timeout {0} s")
  @ValueSource(ints = {0, 10})
  void aCancelledCallIsIgnored(int callTimeout) throws Exception {
    TestServer server = server().hang();
    OkHttpClient client =
        calls.track(
            new OkHttpClient.Builder()
                .callTimeout(Duration.ofSeconds(callTimeout))
                .addInterceptor(BackstopInterceptor.create(allowing())));
    Call call = client.newCall(get(server));
    CompletableFuture<Result> result =
        CompletableFuture.supplyAsync(
            () -> {
              try (Response response = call.execute()) {
                return new Result(response.code(), null);
              } catch (IOException e) {
                return new Result(0, e);
              }
            });
    server.awaitHanging(1);

    call.cancel();

    assertThat(await(result).error()).isInstanceOf(IOException.class);
    assertThat(breakers.get(server.origin()).counts()).isEqualTo(new Counts(1, 0, 0, 1, 0));
  }

  @Test
  void aCallTimeoutIsAFailureThoughOkHttpEndsTheCallByCancellingIt() throws Exception {
    TestServer server = server().hang();
    OkHttpClient client =
        calls.track(
            new OkHttpClient.Builder()
                .retryOnConnectionFailure(false)
                .callTimeout(Duration.ofMillis(50))
                .addInterceptor(BackstopInterceptor.create(allowing())));

    for (int i = 0; i < 20; i++) {
      Result r = i % 2 == 0 ? execute(client, get(server)) : await(enqueue(client, get(server)));
      assertThat(r.error()).as("result %s", r).isInstanceOf(InterruptedIOException.class);
    }

    assertThat(breakers.get(server.origin()).counts()).isEqualTo(new Counts(20, 0, 20, 0, 0));
  }

  @Test
  void failureWhenSeesTheIOException() throws Exception {
    TestServer slow = server().hang();
    TestServer down = server();
    down.stop();
    OkHttpClient client =
        calls.track(
            new OkHttpClient.Builder()
                .retryOnConnectionFailure(false)
                .readTimeout(Duration.ofMillis(50))
                .addInterceptor(
                    BackstopInterceptor.builder()
                        .backstop(allowing())
                        .failureWhen((response, error) -> error instanceof ConnectException)
                        .build()));

    assertThat(execute(client, get(slow)).error()).isInstanceOf(SocketTimeoutException.class);
    assertThat(execute(client, get(down)).error()).isInstanceOf(ConnectException.class);

    assertThat(breakers.get(slow.origin()).counts()).isEqualTo(new Counts(1, 1, 0, 0, 0));
    assertThat(breakers.get(down.origin()).counts()).isEqualTo(new Counts(1, 0, 1, 0, 0));
  }

  @Test
  void nestedGuardsOnOneBackstopCountAnInnerRejectionOnce() {
    TestServer server = server();
    Backstop backstop =
        backstop(op -> new RecordingBreaker(op).rejectWhen(n -> n % 2 == 1)); // the inner turn
    BackstopInterceptor interceptor = BackstopInterceptor.create(backstop);
    OkHttpClient client =
        calls.track(
            new OkHttpClient.Builder()
                .addInterceptor(interceptor)
                .addNetworkInterceptor(interceptor));

    assertThat(execute(client, get(server)).rejected()).isTrue();

    // The application interceptor let the call through and the network interceptor shed it: one
    // rejection, and the outer call ignored, not a failure of the backend.
    assertThat(breakers.get(server.origin()).counts()).isEqualTo(new Counts(1, 0, 0, 1, 1));
    assertThat(server.requests()).isZero();
  }

  @Test
  void theDefaultFailure() {
    BiPredicate<Response, IOException> failure = BackstopInterceptor.DEFAULT_FAILURE;
    assertThat(failure.test(null, new IOException("reset"))).isTrue();
    assertThat(failure).hasToString("DEFAULT_FAILURE (status 500, 503, 504 or an IOException)");
  }

  @Test
  void failureWhenReplacesTheClassification() {
    TestServer server = server();
    OkHttpClient client =
        calls.application(
            BackstopInterceptor.builder()
                .backstop(allowing())
                .failureWhen((response, error) -> response != null && response.code() == 429)
                .build());

    server.status(429);
    execute(client, get(server));
    server.status(503);
    execute(client, get(server));

    assertThat(breakers.get(server.origin()).counts()).isEqualTo(new Counts(2, 1, 1, 0, 0));
  }

  @Test
  void aFailureWhenThatThrowsCountsAsFailureAndTheCallerStillGetsTheResponse() throws Exception {
    TestServer server = server();
    OkHttpClient client =
        calls.application(
            BackstopInterceptor.builder()
                .backstop(allowing())
                .failureWhen(
                    (response, error) -> {
                      throw new IllegalArgumentException("bad predicate");
                    })
                .build());

    assertThat(execute(client, get(server)).code()).isEqualTo(200);
    assertThat(await(enqueue(client, get(server))).code()).isEqualTo(200);
    assertThat(breakers.get(server.origin()).counts()).isEqualTo(new Counts(2, 0, 2, 0, 0));
  }

  @Test
  void theOperationFunctionKeysRequestsWithoutATag() {
    TestServer server = server();
    OkHttpClient client =
        calls.application(
            BackstopInterceptor.builder()
                .backstop(allowing())
                .operation(request -> request.method() + " " + request.url().encodedPath())
                .build());

    execute(client, get(server));
    execute(client, get(server).newBuilder().tag(Operation.class, Operation.of("users")).build());
    execute(client, get(server).newBuilder().tag("not an Operation").build());

    assertThat(breakers).containsOnlyKeys("GET /users/42", "users");
    assertThat(breakers.get("GET /users/42").counts()).isEqualTo(new Counts(2, 2, 0, 0, 0));
    assertThat(breakers.get("users").counts()).isEqualTo(new Counts(1, 1, 0, 0, 0));
  }

  @Test
  void anOperationFunctionThatReturnsNullFailsTheCallBeforeAnyDecision() {
    TestServer server = server();
    OkHttpClient client =
        calls.application(
            BackstopInterceptor.builder().backstop(allowing()).operation(request -> null).build());
    Request request = get(server);

    assertThatThrownBy(() -> client.newCall(request).execute())
        .isInstanceOf(NullPointerException.class)
        .hasMessage("operation returned null for http://127.0.0.1:" + server.port() + "/...");
    assertThat(breakers).isEmpty();
    assertThat(server.requests()).isZero();
  }

  @Test
  void createMakesItsOwnBackstop() {
    TestServer server = server();
    BackstopInterceptor interceptor = BackstopInterceptor.create();

    assertThat(execute(calls.application(interceptor), get(server)).code()).isEqualTo(200);
    assertThat(server.requests()).isEqualTo(1);
    assertThat(interceptor.toString()).startsWith("BackstopInterceptor(Backstop(Group(size=1,");
  }

  @Test
  void theDefaultOperationIsTheOrigin() {
    assertThat(BackstopInterceptor.origin(HttpUrl.get("https://API.example.com/users/42?x=1")))
        .isEqualTo("https://api.example.com:443");
    assertThat(BackstopInterceptor.origin(HttpUrl.get("http://example.com/")))
        .isEqualTo("http://example.com:80");
    assertThat(BackstopInterceptor.origin(HttpUrl.get("http://[::1]:8080/a")))
        .isEqualTo("http://[::1]:8080");
  }

  @Test
  void theDefaultOperationReusesTheKeyOfARecentOriginAndNeverMixesOriginsUp() {
    String first = BackstopInterceptor.origin(HttpUrl.get("http://reused.example.com:8080/a"));
    assertThat(BackstopInterceptor.origin(HttpUrl.get("http://reused.example.com:8080/b?c")))
        .isSameAs(first);
    // Origins that differ only in scheme, or in port, or in host each get their own key.
    assertThat(BackstopInterceptor.origin(HttpUrl.get("https://reused.example.com:8080/")))
        .isEqualTo("https://reused.example.com:8080");
    assertThat(BackstopInterceptor.origin(HttpUrl.get("http://reused.example.com:8081/")))
        .isEqualTo("http://reused.example.com:8081");
    assertThat(BackstopInterceptor.origin(HttpUrl.get("http://reused.example.org:8080/")))
        .isEqualTo("http://reused.example.org:8080");
  }

  @Test
  void threadsCallingManyOriginsAtOnceEachGetTheirOwnOriginsKey() throws Exception {
    int threads = 8;
    int origins = 100; // more than the slots: origins keep replacing each other
    CountDownLatch start = new CountDownLatch(1);
    List<CompletableFuture<Integer>> done = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int id = t;
      done.add(
          CompletableFuture.supplyAsync(
              () -> {
                awaitStart(start);
                int wrong = 0;
                for (int i = 0; i < 20_000; i++) {
                  int n = (i * 7 + id) % origins;
                  String scheme = n % 2 == 0 ? "http" : "https";
                  String host = "h" + (n % 10) + ".example.com";
                  int port = 8000 + n / 10;
                  String key =
                      BackstopInterceptor.origin(HttpUrl.get(scheme + "://" + host + ":" + port));
                  if (!key.equals(scheme + "://" + host + ":" + port)) {
                    wrong++;
                  }
                }
                return wrong;
              },
              runnable -> new Thread(runnable).start()));
    }
    start.countDown();
    for (CompletableFuture<Integer> d : done) {
      assertThat(d.get(30, TimeUnit.SECONDS)).isZero();
    }
  }

  private static void awaitStart(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Test
  void builderRejectsNulls() {
    BackstopInterceptor.Builder builder = BackstopInterceptor.builder();
    assertThatThrownBy(() -> builder.backstop(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("backstop");
    assertThatThrownBy(() -> builder.operation(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("operation");
    assertThatThrownBy(() -> builder.failureWhen(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("failureWhen");
    assertThatThrownBy(() -> BackstopInterceptor.create(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("backstop");
  }

  @Test
  void buildDoesNotChangeTheBuilder() {
    Backstop backstop = allowing();
    BackstopInterceptor.Builder builder = BackstopInterceptor.builder().backstop(backstop);
    BackstopInterceptor first = builder.build();
    BackstopInterceptor second = builder.operation(request -> "x").build();

    Request request = new Request.Builder().url("http://example.com/a").build();
    assertThat(first.operation(request)).isEqualTo("http://example.com:80");
    assertThat(second.operation(request)).isEqualTo("x");
    assertThat(first.toString()).isEqualTo("BackstopInterceptor(" + backstop + ")");
  }

  @Test
  void operationValidatesItsName() {
    assertThatThrownBy(() -> Operation.of(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("name");
    assertThatThrownBy(() -> Operation.of(""))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("name must not be empty, was \"\"");
  }

  @Test
  void operationIsAValue() {
    Operation a = Operation.of("users.get");
    assertThat(a.name()).isEqualTo("users.get");
    assertThat(a).isEqualTo(Operation.of("users.get")).isNotEqualTo(Operation.of("users.put"));
    assertThat(a).hasSameHashCodeAs(Operation.of("users.get"));
    assertThat(a).hasToString("Operation(users.get)");
  }
}
