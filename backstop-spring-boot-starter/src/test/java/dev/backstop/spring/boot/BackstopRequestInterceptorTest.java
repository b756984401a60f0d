package dev.backstop.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.backstop.Backstop;
import dev.backstop.NotAllowedException;
import dev.backstop.testing.RecordingBreaker;
import dev.backstop.testing.RecordingBreaker.Counts;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.http.client.JdkClientHttpRequestFactory;
import org.springframework.web.client.ResourceAccessException;
import org.springframework.web.client.RestClient;

/** The interceptor's outcome rules, through a real RestClient and a real server on loopback. */
class BackstopRequestInterceptorTest {

  private final Map<String, RecordingBreaker> breakers = new ConcurrentHashMap<>();
  private final Backstop backstop =
      Backstop.builder().breakers(op -> breakers.computeIfAbsent(op, RecordingBreaker::new)).build();
  private final AtomicInteger received = new AtomicInteger();
  private final CountDownLatch hung = new CountDownLatch(1);
  private final CountDownLatch release = new CountDownLatch(1);
  private HttpServer server;
  private String origin;

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext(
        "/",
        exchange -> {
          received.incrementAndGet();
          String path = exchange.getRequestURI().getPath();
          if (path.equals("/hang")) {
            hung.countDown();
            try {
              release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
          int status = path.startsWith("/status/") ? Integer.parseInt(path.substring(8)) : 200;
          exchange.sendResponseHeaders(status, -1);
          exchange.close();
        });
    server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
    server.start();
    origin = "http://127.0.0.1:" + server.getAddress().getPort();
  }

  @AfterEach
  void stop() {
    release.countDown();
    server.stop(0);
  }

  private RestClient client(BackstopRequestInterceptor interceptor) {
    return RestClient.builder()
        .requestFactory(new JdkClientHttpRequestFactory())
        .requestInterceptor(interceptor)
        .baseUrl(origin)
        .build();
  }

  private int status(RestClient client, String path) {
    return client
        .get()
        .uri(path)
        .retrieve()
        .onStatus(s -> true, (request, response) -> {})
        .toBodilessEntity()
        .getStatusCode()
        .value();
  }

  @Test
  void fourHundredsAndOtherAnswersAreSuccessesAndServerTroubleIsAFailure() {
    RestClient client = client(BackstopRequestInterceptor.create(backstop));
    for (int status : new int[] {200, 204, 400, 404, 429, 502}) {
      assertThat(status(client, "/status/" + status)).isEqualTo(status);
    }
    for (int status : new int[] {500, 503, 504}) {
      assertThat(status(client, "/status/" + status)).isEqualTo(status);
    }
    assertThat(breakers.keySet()).containsExactly(origin);
    assertThat(breakers.get(origin).counts()).isEqualTo(new Counts(9, 6, 3, 0, 0));
  }

  @Test
  void aRejectedRequestIsNotSentAndFailsAsTheClientsOwnErrorWithTheRejectionAsCause() {
    RestClient client = client(BackstopRequestInterceptor.create(backstop));
    RecordingBreaker breaker = breakers.computeIfAbsent(origin, RecordingBreaker::new).rejectAll();

    assertThatThrownBy(() -> status(client, "/users/7?full=true"))
        .isInstanceOf(ResourceAccessException.class)
        .hasMessage(
            "GET request for \""
                + origin
                + "/users/7\" not sent: request failed due to circuit breaker triggered")
        .cause()
        .isInstanceOf(NotAllowedException.class)
        .isSameAs(breaker.rejection());
    assertThat(received).hasValue(0);
    assertThat(breaker.counts()).isEqualTo(new Counts(0, 0, 0, 0, 1));
  }

  @Test
  void aConnectionFailureIsAFailureAndReachesTheCallerUnchanged() throws IOException {
    int closed;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closed = socket.getLocalPort();
    }
    String dead = "http://127.0.0.1:" + closed;
    RestClient client =
        RestClient.builder()
            .requestFactory(new JdkClientHttpRequestFactory())
            .requestInterceptor(BackstopRequestInterceptor.create(backstop))
            .build();

    assertThatThrownBy(() -> client.get().uri(dead + "/").retrieve().toBodilessEntity())
        .isInstanceOf(ResourceAccessException.class)
        .cause()
        .isInstanceOf(java.net.ConnectException.class);
    assertThat(breakers.get(dead).counts()).isEqualTo(new Counts(1, 0, 1, 0, 0));
  }

  @Test
  void aReadTimeoutIsAFailure() {
    JdkClientHttpRequestFactory factory = new JdkClientHttpRequestFactory();
    factory.setReadTimeout(Duration.ofMillis(200));
    RestClient client =
        RestClient.builder()
            .requestFactory(factory)
            .requestInterceptor(BackstopRequestInterceptor.create(backstop))
            .baseUrl(origin)
            .build();

    assertThatThrownBy(() -> status(client, "/hang"))
        .isInstanceOf(ResourceAccessException.class)
        .cause()
        .isInstanceOf(HttpTimeoutException.class);
    assertThat(breakers.get(origin).counts()).isEqualTo(new Counts(1, 0, 1, 0, 0));
  }

  @Test
  void anotherGuardsRejectionFurtherDownIsIgnored() {
    RecordingBreaker inner = breakers.computeIfAbsent("inner", RecordingBreaker::new).rejectAll();
    RestClient client =
        RestClient.builder()
            .requestFactory(new JdkClientHttpRequestFactory())
            .requestInterceptor(
                BackstopRequestInterceptor.builder().backstop(backstop).operation(r -> "outer").build())
            .requestInterceptor(
                BackstopRequestInterceptor.builder().backstop(backstop).operation(r -> "inner").build())
            .baseUrl(origin)
            .build();

    assertThatThrownBy(() -> status(client, "/x"))
        .isInstanceOf(ResourceAccessException.class)
        .cause()
        .isSameAs(inner.rejection());
    assertThat(inner.counts()).isEqualTo(new Counts(0, 0, 0, 0, 1));
    assertThat(breakers.get("outer").counts()).isEqualTo(new Counts(1, 0, 0, 1, 0));
    assertThat(received).hasValue(0);
  }

  @Test
  void anInterruptedCallIsIgnored() throws Exception {
    RestClient client = client(BackstopRequestInterceptor.create(backstop));
    AtomicReference<Throwable> thrown = new AtomicReference<>();
    Thread caller =
        new Thread(
            () -> {
              try {
                status(client, "/hang");
              } catch (Throwable t) {
                thrown.set(t);
              }
            });
    caller.start();
    assertThat(hung.await(10, TimeUnit.SECONDS)).isTrue();
    caller.interrupt();
    caller.join(10_000);

    assertThat(thrown.get())
        .isInstanceOf(ResourceAccessException.class)
        .hasRootCauseInstanceOf(InterruptedException.class);
    assertThat(breakers.get(origin).counts()).isEqualTo(new Counts(1, 0, 0, 1, 0));
  }

  @Test
  void anExceptionOfTheClientsOwnIsIgnoredAndReachesTheCaller() {
    IllegalStateException bug = new IllegalStateException("a later interceptor's bug");
    RestClient client =
        RestClient.builder()
            .requestFactory(new JdkClientHttpRequestFactory())
            .requestInterceptor(BackstopRequestInterceptor.create(backstop))
            .requestInterceptor(
                (request, body, execution) -> {
                  throw bug;
                })
            .baseUrl(origin)
            .build();

    assertThatThrownBy(() -> status(client, "/x")).isSameAs(bug);
    assertThat(received).hasValue(0);
    assertThat(breakers.get(origin).counts()).isEqualTo(new Counts(1, 0, 0, 1, 0));
  }

  @Test
  void theOperationAttributeNamesTheBreaker() {
    RestClient client =
        client(
            BackstopRequestInterceptor.builder()
                .backstop(backstop)
                .operation(request -> request.getMethod() + " " + request.getURI().getPath())
                .build());
    client
        .get()
        .uri("/users/7")
        .attribute(BackstopRequestInterceptor.OPERATION, "users.get")
        .retrieve()
        .toBodilessEntity();
    client.get().uri("/orders").retrieve().toBodilessEntity();

    assertThat(breakers.keySet()).containsExactlyInAnyOrder("users.get", "GET /orders");
  }

  @Test
  void failureWhenDecidesOnTheStatusAndAThrowingOneCountsAFailure() {
    RestClient client =
        client(
            BackstopRequestInterceptor.builder()
                .backstop(backstop)
                .failureWhen(status -> status.value() == 404)
                .build());
    assertThat(status(client, "/status/404")).isEqualTo(404);
    assertThat(status(client, "/status/503")).isEqualTo(503);
    assertThat(breakers.get(origin).counts()).isEqualTo(new Counts(2, 1, 1, 0, 0));

    RestClient throwing =
        client(
            BackstopRequestInterceptor.builder()
                .backstop(backstop)
                .operation(request -> "throwing")
                .failureWhen(
                    status -> {
                      throw new IllegalStateException("classifier bug");
                    })
                .build());
    assertThat(status(throwing, "/status/200")).isEqualTo(200);
    assertThat(breakers.get("throwing").counts()).isEqualTo(new Counts(1, 0, 1, 0, 0));
  }

  @Test
  void theOriginHasLowerCaseSchemeAndHostAndAPort() {
    assertThat(BackstopRequestInterceptor.origin(URI.create("HTTP://Api.Example.com/x?y")))
        .isEqualTo("http://api.example.com:80");
    assertThat(BackstopRequestInterceptor.origin(URI.create("https://api.example.com/x")))
        .isEqualTo("https://api.example.com:443");
    assertThat(BackstopRequestInterceptor.origin(URI.create("http://[::1]:8080/x")))
        .isEqualTo("http://[::1]:8080");
  }

  @Test
  void optionsRejectNull() {
    BackstopRequestInterceptor.Builder builder = BackstopRequestInterceptor.builder();
    assertThatThrownBy(() -> builder.backstop(null)).hasMessage("backstop");
    assertThatThrownBy(() -> builder.operation(null)).hasMessage("operation");
    assertThatThrownBy(() -> builder.failureWhen(null)).hasMessage("failureWhen");
  }

  @Test
  void anOperationFunctionReturningNullFailsTheRequestBeforeItIsSent() {
    RestClient client =
        client(BackstopRequestInterceptor.builder().backstop(backstop).operation(r -> null).build());
    assertThatThrownBy(() -> status(client, "/x"))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("operation returned null for GET " + origin + "/x");
    assertThat(received).hasValue(0);
  }
}
