package dev.backstop.http;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.backstop.Backstop;
import dev.backstop.NotAllowedException;
import dev.backstop.Snapshot;
import dev.backstop.SreBreaker;
import dev.backstop.State;
import dev.backstop.testing.FakeTicker;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A real JDK client against a real server, guarded by original-design SRE breakers on a fake
 * clock that only the tests move: what is shed, what reaches the server, and what the breaker
 * counts.
 */
class SheddingTest {

  /** Result of an attempt that the breaker rejected. */
  private static final int REJECTED = -1;
  /** Result of an attempt that failed with an IOException (here: connection refused). */
  private static final int REFUSED = -2;

  private static final Duration PAST_THE_WINDOW = Duration.ofMillis(3_300);

  private static HttpClient jdk;

  private final FakeTicker ticker = new FakeTicker();
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

  /** Original-design breakers (window 3 s, minimum 100 requests) on the test's clock. */
  private Backstop original(double success) {
    return Backstop.builder()
        .breakers(op -> SreBreaker.original().success(success).name(op).ticker(ticker).build())
        .ticker(ticker)
        .build();
  }

  private BackstopHttpClient client(Backstop backstop) {
    return BackstopHttpClient.builder(jdk).backstop(backstop).build();
  }

  private void advance(Duration d) {
    ticker.advance(d);
  }

  /**
   * Sends {@code n} requests one after the other, with {@code send} or {@code sendAsync}, and
   * counts the results by status, {@link #REJECTED} or {@link #REFUSED}.
   */
  private static Map<Integer, Integer> attempts(HttpClient client, URI uri, int n, boolean async)
      throws Exception {
    Map<Integer, Integer> results = new TreeMap<>();
    HttpRequest request = HttpRequest.newBuilder(uri).build();
    for (int i = 0; i < n; i++) {
      results.merge(attempt(client, request, async), 1, Integer::sum);
    }
    return results;
  }

  private static int attempt(HttpClient client, HttpRequest request, boolean async)
      throws Exception {
    if (!async) {
      try {
        return client.send(request, BodyHandlers.ofString()).statusCode();
      } catch (NotAllowedException e) {
        return REJECTED;
      } catch (ConnectException e) {
        return REFUSED;
      }
    }
    try {
      return client.sendAsync(request, BodyHandlers.ofString()).get(10, SECONDS).statusCode();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof NotAllowedException) {
        return REJECTED;
      }
      if (e.getCause() instanceof ConnectException) {
        return REFUSED;
      }
      throw e;
    }
  }

  /** The SRE rule, written out independently of SreBreaker: 0 while closed. */
  private static double probability(long total, long accepts, long minimum, double k) {
    if (total < minimum || total < k * accepts) {
      return 0;
    }
    return Math.max(0, (total - k * accepts) / (total + 1));
  }

  /**
   * Mean and standard deviation of the number of rejections among {@code n} attempts at a backend
   * that accepts none of them, starting from {@code total} requests and {@code accepts} accepts in
   * the window, with the original design's minimum of 100: every attempt adds one to the total,
   * whether it is sent and fails or is rejected, so each attempt's probability is fixed.
   */
  private static double[] expectedRejections(long total, long accepts, int n, double k) {
    double mean = 0;
    double variance = 0;
    for (int i = 0; i < n; i++) {
      double p = probability(total + i, accepts, 100, k);
      mean += p;
      variance += p * (1 - p);
    }
    return new double[] {mean, Math.sqrt(variance)};
  }

  @ParameterizedTest(name = "status {0}, async {1}")
  @CsvSource({"503, false", "500, false", "504, false", "503, true"})
  void aFailingServerIsShedAsTheFormulaSaysAndShedRequestsNeverReachIt(int status, boolean async)
      throws Exception {
    double success = 0.5; // K = 2 exactly
    BackstopHttpClient client = client(original(success));
    int healthy = 100;
    int failing = 1_000;

    assertThat(attempts(client, server.uri("/users/1"), healthy, async))
        .containsExactly(Map.entry(200, healthy));
    server.status(status);
    Map<Integer, Integer> results = attempts(client, server.uri("/users/2"), failing, async);

    // The breaker counts every attempt (rejections too, in the original design) and no accept
    // while failing, so the probability of each attempt is known in advance.
    double[] shed = expectedRejections(healthy, healthy, failing, 1 / success);
    int rejected = results.getOrDefault(REJECTED, 0);
    assertThat(results.keySet()).containsOnly(REJECTED, status);
    assertThat((double) rejected).isCloseTo(shed[0], within(5 * shed[1]));
    assertThat(shed[0]).isGreaterThan(0.5 * failing); // a real share is shed
    assertThat(server.requests()).isEqualTo(healthy + failing - rejected);

    Snapshot snapshot = client.backstop().snapshot(server.origin());
    assertThat(snapshot.state()).isEqualTo(State.OPEN);
    assertThat(snapshot.total()).isEqualTo(healthy + failing);
    assertThat(snapshot.accepts()).isEqualTo(healthy);
    assertThat(snapshot.probability())
        .isCloseTo(probability(healthy + failing, healthy, 100, 2), within(1e-12));
  }

  @ParameterizedTest(name = "status {0}")
  @ValueSource(ints = {404, 429, 400, 502})
  void clientErrorsAndOtherStatusesNeverTripIt(int status) throws Exception {
    BackstopHttpClient client = client(original(0.6));
    server.status(status);

    assertThat(attempts(client, server.uri("/missing"), 300, false))
        .containsExactly(Map.entry(status, 300));
    assertThat(attempts(client, server.uri("/missing"), 100, true))
        .containsExactly(Map.entry(status, 100));

    assertThat(server.requests()).isEqualTo(400);
    Snapshot snapshot = client.backstop().snapshot(server.origin());
    assertThat(snapshot.state()).isEqualTo(State.CLOSED);
    assertThat(snapshot.total()).isEqualTo(400);
    assertThat(snapshot.accepts()).isEqualTo(400);
  }

  @ParameterizedTest(name = "async {0}")
  @ValueSource(booleans = {false, true})
  void recoversOnceTheServerHealsAndTheWindowPasses(boolean async) throws Exception {
    BackstopHttpClient client = client(original(0.6));
    server.status(503);
    assertThat(attempts(client, server.uri("/"), 100, async))
        .containsExactly(Map.entry(503, 100));
    // 100 failures and no accept: each further attempt is rejected with p >= 100/101.
    Map<Integer, Integer> open = attempts(client, server.uri("/"), 200, async);
    assertThat(open.get(REJECTED)).isGreaterThanOrEqualTo(190);
    assertThat(server.requests()).isEqualTo(100 + 200 - open.get(REJECTED));

    server.status(200);
    advance(PAST_THE_WINDOW);
    int before = server.requests();
    assertThat(attempts(client, server.uri("/"), 150, async))
        .containsExactly(Map.entry(200, 150));
    assertThat(server.requests()).isEqualTo(before + 150);
    Snapshot snapshot = client.backstop().snapshot(server.origin());
    assertThat(snapshot.state()).isEqualTo(State.CLOSED);
    assertThat(snapshot.total()).isEqualTo(150);
    assertThat(snapshot.accepts()).isEqualTo(150);
  }

  @ParameterizedTest(name = "async {0}")
  @ValueSource(booleans = {false, true})
  void twoOriginsHaveIndependentBreakers(boolean async) throws Exception {
    try (TestServer other = TestServer.start()) {
      BackstopHttpClient client = client(original(0.6));
      server.status(503);

      Map<Integer, Integer> failing = attempts(client, server.uri("/a"), 300, async);
      Map<Integer, Integer> healthy = attempts(client, other.uri("/a"), 300, async);

      assertThat(failing.get(REJECTED)).isGreaterThanOrEqualTo(150);
      assertThat(healthy).containsExactly(Map.entry(200, 300));
      assertThat(other.requests()).isEqualTo(300);
      assertThat(client.backstop().snapshots().keySet())
          .containsExactlyInAnyOrder(server.origin(), other.origin());
      assertThat(client.backstop().snapshot(server.origin()).state()).isEqualTo(State.OPEN);
      assertThat(client.backstop().snapshot(other.origin()))
          .isEqualTo(new Snapshot(300, 300, 0, State.CLOSED));
    }
  }

  @ParameterizedTest(name = "async {0}")
  @ValueSource(booleans = {false, true})
  void aStoppedServerCountsAsFailingAndItsRestartBringsRecovery(boolean async) throws Exception {
    BackstopHttpClient client = client(original(0.6));
    assertThat(attempts(client, server.uri("/"), 20, async)).containsExactly(Map.entry(200, 20));
    server.stop();

    Map<Integer, Integer> down = attempts(client, server.uri("/"), 300, async);
    assertThat(down.keySet()).containsOnly(REFUSED, REJECTED);
    double[] shed = expectedRejections(20, 20, 300, 1 / 0.6);
    assertThat((double) down.get(REJECTED)).isCloseTo(shed[0], within(5 * shed[1]));
    assertThat(down.get(REFUSED)).isGreaterThanOrEqualTo(80); // closed below 100 requests
    assertThat(server.requests()).isEqualTo(20);
    Snapshot snapshot = client.backstop().snapshot(server.origin());
    assertThat(snapshot.state()).isEqualTo(State.OPEN);
    assertThat(snapshot.total()).isEqualTo(320);
    assertThat(snapshot.accepts()).isEqualTo(20);

    server.restart();
    advance(PAST_THE_WINDOW);
    assertThat(attempts(client, server.uri("/"), 120, async))
        .containsExactly(Map.entry(200, 120));
    assertThat(server.requests()).isEqualTo(20 + 120);
    assertThat(client.backstop().snapshot(server.origin()))
        .isEqualTo(new Snapshot(120, 120, 0, State.CLOSED));
  }
}
