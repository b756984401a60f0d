package dev.backstop.okhttp;

import static dev.backstop.okhttp.Calls.await;
import static dev.backstop.okhttp.Calls.enqueue;
import static dev.backstop.okhttp.Calls.execute;
import static dev.backstop.okhttp.Calls.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.backstop.Backstop;
import dev.backstop.Snapshot;
import dev.backstop.SreBreaker;
import dev.backstop.State;
import dev.backstop.testing.FakeTicker;
import dev.backstop.okhttp.Calls.Result;
import java.net.ConnectException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The interceptor between real OkHttp clients and real servers on loopback, with breakers that
 * follow the original SRE design exactly ({@link SreBreaker#original()}: minimum 100 requests, K =
 * 1 / 0.6, local rejections counted as requests) on a fake clock that only the tests move.
 */
class BackstopInterceptorTest {

  private static final Duration WINDOW = Duration.ofSeconds(3);

  private final FakeTicker ticker = new FakeTicker();
  private final Backstop backstop =
      Backstop.builder()
          .breakers(op -> SreBreaker.original().ticker(ticker).name(op).build())
          .ticker(ticker)
          .build();
  private final BackstopInterceptor interceptor = BackstopInterceptor.create(backstop);
  private final Calls calls = new Calls();
  private final List<TestServer> servers = new ArrayList<>();

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

  private void advance(Duration d) {
    ticker.advance(d);
  }

  /** The original rule: 0 while closed, else (total - K accepts) / (total + 1). */
  private static double expectedProbability(long total, long accepts) {
    double kAccepts = accepts / 0.6;
    if (total < 100 || total < kAccepts) {
      return 0;
    }
    return (total - kAccepts) / (total + 1);
  }

  /** Sends {@code n} requests one after another and returns how many were rejected locally. */
  private static int send(OkHttpClient client, TestServer server, int n, int expectedCode) {
    int rejected = 0;
    for (int i = 0; i < n; i++) {
      Result r = execute(client, get(server));
      if (r.rejected()) {
        rejected++;
      } else {
        assertThat(r.code()).as("result %s", r).isEqualTo(expectedCode);
      }
    }
    return rejected;
  }

  @Test
  void shedShareFollowsTheFormulaAndShedRequestsNeverReachTheServer() {
    TestServer server = server();
    OkHttpClient client = calls.application(interceptor);
    assertThat(send(client, server, 60, 200)).isZero();
    server.status(503);
    assertThat(send(client, server, 40, 503)).isZero();
    Snapshot start = backstop.snapshot(server.origin());
    assertThat(start.total()).isEqualTo(100);
    assertThat(start.accepts()).isEqualTo(60);
    assertThat(start.probability()).isZero();

    // With rejections counted as requests, every request (sent or shed) adds one to the total,
    // so the probability before request i is known in advance whatever the draws.
    int n = 400;
    double expectedShed = 0;
    double variance = 0;
    int rejected = 0;
    for (int i = 0; i < n; i++) {
      double p = expectedProbability(100 + i, 60);
      assertThat(backstop.snapshot(server.origin()).probability())
          .as("probability before request %d", i)
          .isCloseTo(p, within(1e-9));
      expectedShed += p;
      variance += p * (1 - p);
      rejected += send(client, server, 1, 503);
    }

    assertThat(expectedShed).isCloseTo(238, within(1.0));
    assertThat((double) rejected).isCloseTo(expectedShed, within(5 * Math.sqrt(variance)));
    assertThat(server.requests()).isEqualTo(100 + n - rejected);
    Snapshot snapshot = backstop.snapshot(server.origin());
    assertThat(snapshot.total()).isEqualTo(100 + n);
    assertThat(snapshot.accepts()).isEqualTo(60);
    assertThat(snapshot.state()).isEqualTo(State.OPEN);
  }

  @ParameterizedTest
  @ValueSource(ints = {500, 503, 504})
  void aFailingServerTripsTheBreakerAndHealingWithTimeRecovers(int status) {
    TestServer server = server().status(status);
    OkHttpClient client = calls.application(interceptor);

    assertThat(send(client, server, 100, status)).isZero();
    assertThat(server.requests()).isEqualTo(100);
    int rejected = send(client, server, 100, status);

    // sum over t = 100..199 of t / (t + 1) is 99.31: almost everything is shed.
    assertThat(rejected).isBetween(95, 100);
    assertThat(server.requests()).isEqualTo(200 - rejected);
    assertThat(backstop.snapshot(server.origin()))
        .isEqualTo(new Snapshot(200, 0, 200.0 / 201, State.OPEN));

    server.status(200);
    advance(WINDOW);
    assertThat(send(client, server, 200, 200)).isZero();
    assertThat(server.requests()).isEqualTo(400 - rejected);
    assertThat(backstop.snapshot(server.origin()))
        .isEqualTo(new Snapshot(200, 200, 0, State.CLOSED));
  }

  @ParameterizedTest
  @ValueSource(ints = {404, 429, 400, 501})
  void answersThatAreNotFailuresNeverTrip(int status) {
    TestServer server = server().status(status);
    OkHttpClient client = calls.application(interceptor);

    assertThat(send(client, server, 300, status)).isZero();
    assertThat(server.requests()).isEqualTo(300);
    assertThat(backstop.snapshot(server.origin()))
        .isEqualTo(new Snapshot(300, 300, 0, State.CLOSED));
  }

  @Test
  void twoServersHaveIndependentBreakers() {
    TestServer failing = server().status(503);
    TestServer healthy = server();
    OkHttpClient client = calls.application(interceptor);

    int rejected = 0;
    for (int i = 0; i < 200; i++) {
      rejected += send(client, failing, 1, 503);
      assertThat(send(client, healthy, 1, 200)).isZero();
    }

    assertThat(rejected).isBetween(95, 100);
    assertThat(failing.requests()).isEqualTo(200 - rejected);
    assertThat(healthy.requests()).isEqualTo(200);
    assertThat(backstop.snapshots())
        .containsOnlyKeys(failing.origin(), healthy.origin())
        .containsEntry(failing.origin(), new Snapshot(200, 0, 200.0 / 201, State.OPEN))
        .containsEntry(healthy.origin(), new Snapshot(200, 200, 0, State.CLOSED));
  }

  @Test
  void enqueueBehavesLikeExecute() throws Exception {
    TestServer server = server().status(503);
    OkHttpClient client = calls.application(interceptor);

    for (int i = 0; i < 100; i++) {
      assertThat(await(enqueue(client, get(server))).code()).isEqualTo(503);
    }
    int rejected = 0;
    for (int i = 0; i < 100; i++) {
      Result r = await(enqueue(client, get(server)));
      if (r.rejected()) {
        rejected++;
        NotAllowedIOException e = (NotAllowedIOException) r.error();
        assertThat(e.operation()).isEqualTo(server.origin());
        assertThat(e.getCause().code()).isEqualTo(503);
      } else {
        assertThat(r.code()).as("result %s", r).isEqualTo(503);
      }
    }

    assertThat(rejected).isBetween(95, 100);
    assertThat(server.requests()).isEqualTo(200 - rejected);

    server.status(200);
    advance(WINDOW);
    for (int i = 0; i < 150; i++) {
      assertThat(await(enqueue(client, get(server))).code()).isEqualTo(200);
    }
    assertThat(server.requests()).isEqualTo(350 - rejected);
    assertThat(backstop.snapshot(server.origin()))
        .isEqualTo(new Snapshot(150, 150, 0, State.CLOSED));
  }

  @Test
  void concurrentEnqueuedCallsRecordEachOutcomeExactlyOnce() throws Exception {
    TestServer server = server().status(503);
    OkHttpClient client = calls.application(interceptor);
    client.dispatcher().setMaxRequestsPerHost(16);

    List<CompletableFuture<Result>> futures = new ArrayList<>();
    for (int i = 0; i < 400; i++) {
      futures.add(enqueue(client, get(server)));
    }
    int rejected = 0;
    for (CompletableFuture<Result> future : futures) {
      Result r = await(future);
      if (r.rejected()) {
        rejected++;
      } else {
        assertThat(r.code()).as("result %s", r).isEqualTo(503);
      }
    }

    // Up to 16 calls are in flight when the breaker opens, so at least the first 100 reach the
    // server; at most 116 when the draws are kind to them.
    assertThat(server.requests()).isEqualTo(400 - rejected).isBetween(100, 130);
    Snapshot snapshot = backstop.snapshot(server.origin());
    assertThat(snapshot.total()).isEqualTo(400);
    assertThat(snapshot.accepts()).isZero();
  }

  @Test
  void connectionRefusedCountsAsFailureAndARestartRecovers() {
    TestServer server = server();
    server.stop();
    OkHttpClient client = calls.application(interceptor);

    for (int i = 0; i < 100; i++) {
      Result r = execute(client, get(server));
      assertThat(r.error()).as("result %s", r).isInstanceOf(ConnectException.class);
    }
    int rejected = 0;
    for (int i = 0; i < 100; i++) {
      Result r = execute(client, get(server));
      if (r.rejected()) {
        rejected++;
      } else {
        assertThat(r.error()).as("result %s", r).isInstanceOf(ConnectException.class);
      }
    }
    assertThat(rejected).isBetween(95, 100);
    assertThat(backstop.snapshot(server.origin()))
        .isEqualTo(new Snapshot(200, 0, 200.0 / 201, State.OPEN));

    server.restart();
    advance(WINDOW);
    assertThat(send(client, server, 150, 200)).isZero();
    assertThat(server.requests()).isEqualTo(150);
    assertThat(backstop.snapshot(server.origin()))
        .isEqualTo(new Snapshot(150, 150, 0, State.CLOSED));
  }

  @Test
  void worksAsANetworkInterceptor() throws Exception {
    TestServer server = server().status(503);
    OkHttpClient client = calls.network(interceptor);

    assertThat(send(client, server, 100, 503)).isZero();
    int rejected = send(client, server, 50, 503);
    for (int i = 0; i < 50; i++) {
      Result r = await(enqueue(client, get(server)));
      if (r.rejected()) {
        rejected++;
      } else {
        assertThat(r.code()).as("result %s", r).isEqualTo(503);
      }
    }

    assertThat(rejected).isBetween(95, 100);
    assertThat(server.requests()).isEqualTo(200 - rejected);
    assertThat(backstop.snapshot(server.origin()))
        .isEqualTo(new Snapshot(200, 0, 200.0 / 201, State.OPEN));

    server.status(200);
    advance(WINDOW);
    assertThat(send(client, server, 150, 200)).isZero();
    assertThat(backstop.snapshot(server.origin()))
        .isEqualTo(new Snapshot(150, 150, 0, State.CLOSED));
  }

  @Test
  void aNetworkInterceptorDoesNotSeeFailuresToConnect() {
    TestServer server = server();
    server.stop();
    OkHttpClient client = calls.network(interceptor);

    for (int i = 0; i < 150; i++) {
      Result r = execute(client, get(server));
      assertThat(r.error()).as("result %s", r).isInstanceOf(ConnectException.class);
    }
    // OkHttp connects before it calls network interceptors: no breaker was ever asked.
    assertThat(backstop.size()).isZero();
  }

  @Test
  void anApplicationInterceptorJudgesTheRedirectedCallOnItsFinalResponse() {
    TestServer target = server();
    TestServer origin = server().redirectTo(target.url("/moved"));

    Result r = execute(calls.application(interceptor), get(origin));

    assertThat(r.code()).isEqualTo(200);
    assertThat(backstop.snapshots())
        .containsOnlyKeys(origin.origin())
        .containsEntry(origin.origin(), new Snapshot(1, 1, 0, State.CLOSED));
  }

  @Test
  void aNetworkInterceptorJudgesEachRedirectHopUnderItsOwnOrigin() {
    TestServer target = server().status(503);
    TestServer origin = server().redirectTo(target.url("/moved"));

    Result r = execute(calls.network(interceptor), get(origin));

    assertThat(r.code()).isEqualTo(503);
    assertThat(backstop.snapshots())
        .containsOnlyKeys(origin.origin(), target.origin())
        .containsEntry(origin.origin(), new Snapshot(1, 1, 0, State.CLOSED))
        .containsEntry(target.origin(), new Snapshot(1, 0, 0, State.CLOSED));
  }

  @Test
  void theOperationTagOverridesTheKey() {
    TestServer server = server();
    OkHttpClient client = calls.application(interceptor);

    execute(client, get(server).newBuilder().tag(Operation.class, Operation.of("users.get")).build());
    execute(client, get(server));

    assertThat(backstop.snapshots())
        .containsOnlyKeys("users.get", server.origin())
        .containsEntry("users.get", new Snapshot(1, 1, 0, State.CLOSED));
  }

  @Test
  void theOperationTagReachesANetworkInterceptor() {
    TestServer server = server();

    execute(
        calls.network(interceptor),
        get(server).newBuilder().tag(Operation.class, Operation.of("users.get")).build());

    assertThat(backstop.snapshots()).containsOnlyKeys("users.get");
  }

  @Test
  void theOperationTagFollowsEveryRedirectHop() {
    TestServer target = server();
    TestServer origin = server().redirectTo(target.url("/moved"));

    Result r =
        execute(
            calls.network(interceptor),
            get(origin).newBuilder().tag(Operation.class, Operation.of("users.get")).build());

    assertThat(r.code()).isEqualTo(200);
    assertThat(backstop.snapshots())
        .containsOnlyKeys("users.get")
        .containsEntry("users.get", new Snapshot(2, 2, 0, State.CLOSED));
  }
}
