package dev.backstop.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import com.jayway.jsonpath.JsonPath;
import dev.backstop.NotAllowedException;
import dev.backstop.SreBreaker;
import dev.backstop.grpc.BackstopClientInterceptor;
import dev.backstop.testing.FakeTicker;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.restclient.RestTemplateBuilder;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.grpc.client.GrpcChannelFactory;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.context.request.async.DeferredResult;
import org.springframework.web.client.HttpServerErrorException;
import org.springframework.web.client.ResourceAccessException;
import org.springframework.web.client.RestClient;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.function.client.WebClientRequestException;
import org.springframework.web.reactive.function.client.WebClientResponseException;
import org.springframework.web.service.annotation.GetExchange;
import org.springframework.web.service.registry.HttpServiceGroup;
import org.springframework.web.service.registry.ImportHttpServices;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;

/**
 * A Spring Boot application that sets no Backstop property, with a real embedded server as the
 * downstream and a real gRPC server on loopback: each client Boot builds for it sheds a dead
 * downstream, the servers' own counts prove that shed calls never left the application, it
 * recovers once the downstream heals, and the actuator shows the same numbers.
 *
 * <p>Time is a {@link FakeTicker} bean: nothing sleeps through a window. Each test starts by
 * moving time past the window, so it starts from empty windows, and reads meters as differences.
 */
@SpringBootTest(
    classes = EndToEndTest.App.class,
    webEnvironment = WebEnvironment.RANDOM_PORT,
    properties = {
      "management.endpoints.web.exposure.include=backstop,metrics,health",
      "management.endpoint.health.show-details=always",
      "backstop.health.enabled=true"
    })
class EndToEndTest {

  private static final int HEALTHY = 20;
  private static final int DEAD = 200;
  /** The time between two calls after healing: a client that keeps calling, as clients do. */
  private static final Duration HEALED_PACE = Duration.ofMillis(50);
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final SreBreaker.Settings DEFAULTS = SreBreaker.builder().build().settings();

  private static EchoServer grpcServer;

  @LocalServerPort private int port;
  @Autowired private RestClient.Builder restClients;
  @Autowired private RestTemplateBuilder restTemplates;
  @Autowired private GrpcChannelFactory channels;
  @Autowired private WebClient.Builder webClients;
  @Autowired private Users users;
  @Autowired private Orders orders;
  @Autowired private Downstream downstream;
  @Autowired private FakeTicker ticker;

  private final HttpClient actuator = HttpClient.newHttpClient();

  @BeforeAll
  static void startGrpcServer() throws IOException {
    grpcServer = new EchoServer();
  }

  @AfterAll
  static void stopGrpcServer() throws InterruptedException {
    grpcServer.stop();
  }

  @AfterEach
  void releaseHeldRequests() {
    downstream.releaseHeld();
  }

  @BeforeEach
  void freshWindows() {
    ticker.advance(DEFAULTS.window().multipliedBy(2));
    downstream.dead = false;
    grpcServer.dead = false;
  }

  enum Result {
    OK,
    FAILED,
    REJECTED
  }

  @Test
  void restClientShedsADeadOriginAndRecovers() throws Exception {
    RestClient client = restClients.baseUrl(origin()).build();
    drill(
        origin(),
        () -> http(() -> client.get().uri("/downstream/rest-client").retrieve().toBodilessEntity()),
        downstream.received::get,
        dead -> downstream.dead = dead);
  }

  @Test
  void restTemplateShedsADeadOriginAndRecovers() throws Exception {
    var template = restTemplates.baseUri(origin()).build();
    drill(
        origin(),
        () -> http(() -> template.getForEntity("/downstream/rest-template", String.class)),
        downstream.received::get,
        dead -> downstream.dead = dead);
  }

  @Test
  void anHttpServiceGroupHasABreakerNamedAfterTheGroup() throws Exception {
    URI base = URI.create(origin() + "/downstream/group");
    drill(
        "users",
        () -> http(() -> users.get(base)),
        downstream.received::get,
        dead -> downstream.dead = dead);
  }

  @Test
  void webClientShedsADeadOriginAndRecovers() throws Exception {
    WebClient client = webClients.baseUrl(origin()).build();
    drill(
        origin(),
        () -> web(client.get().uri("/downstream/web-client").retrieve().toBodilessEntity()),
        downstream.received::get,
        dead -> downstream.dead = dead);
  }

  @Test
  void aWebClientHttpServiceGroupHasABreakerNamedAfterTheGroup() throws Exception {
    URI base = URI.create(origin() + "/downstream/orders");
    drill(
        "orders",
        () -> web(orders.get(base)),
        downstream.received::get,
        dead -> downstream.dead = dead);
  }

  @Test
  void aThousandWebClientCallsCancelledBeforeTheirAnswerLeaveAHealthyOriginsBreakerClosed()
      throws Exception {
    WebClient client = webClients.baseUrl(origin()).build();
    Map<String, Double> before = calls(origin());
    double allowedBefore = allowed(origin());

    // The downstream answers none of these, so each call ends by its cancel, wherever it was:
    // waiting for a connection, being sent, or held by the downstream.
    Mono<String> early =
        client.get().uri("/downstream/held/early").retrieve().bodyToMono(String.class);
    for (int i = 0; i < 1_000; i++) {
      early.subscribe(v -> {}, e -> {}).dispose();
    }
    // And some cancelled only once the downstream holds them: they left for sure.
    Mono<String> watched =
        client.get().uri("/downstream/held/watched").retrieve().bodyToMono(String.class);
    int inFlight = 50;
    for (int i = 0; i < inFlight; i++) {
      Disposable pending = watched.subscribe(v -> {}, e -> {});
      assertThat(downstream.arrived.tryAcquire(10, TimeUnit.SECONDS)).isTrue();
      pending.dispose();
    }

    // Every call was allowed, none succeeded, failed or was rejected: all were ignored.
    assertThat(allowed(origin()) - allowedBefore).isEqualTo(1_000 + inFlight);
    assertThat(calls(origin())).isEqualTo(before);
    String snapshot = get("/actuator/backstop/" + origin());
    assertThat((String) JsonPath.read(snapshot, "$.state")).isEqualTo("CLOSED");
    assertThat(((Number) JsonPath.read(snapshot, "$.total")).longValue()).isZero();
    assertThat(((Number) JsonPath.read(snapshot, "$.probability")).doubleValue()).isZero();

    assertThat(web(client.get().uri("/downstream/after").retrieve().toBodilessEntity()))
        .isEqualTo(Result.OK);
    assertThat(calls(origin()).get("success") - before.get("success")).isEqualTo(1);
  }

  @Test
  void aSpringGrpcChannelShedsADeadServerAndRecovers() throws Exception {
    ManagedChannel channel = channels.createChannel("static://127.0.0.1:" + grpcServer.port());
    drill(
        "test.Echo/Unary",
        () -> {
          try {
            ClientCalls.blockingUnaryCall(channel, EchoServer.UNARY, CallOptions.DEFAULT, "hi");
            return Result.OK;
          } catch (StatusRuntimeException e) {
            if (e.getCause() instanceof NotAllowedException) {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
              assertThat(e.getTrailers().get(BackstopClientInterceptor.REASON))
                  .isEqualTo("CIRCUITBREAKER");
              return Result.REJECTED;
            }
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
            return Result.FAILED;
          }
        },
        grpcServer.received::get,
        dead -> grpcServer.dead = dead);
  }

  @Test
  void healthReportsAnOpenBreakerAndStaysUp() throws Exception {
    RestClient client = restClients.baseUrl(origin()).build();
    downstream.dead = true;
    for (int i = 0; i < 50; i++) {
      http(() -> client.get().uri("/downstream/health").retrieve().toBodilessEntity());
    }
    String health = get("/actuator/health");
    assertThat((String) JsonPath.read(health, "$.status")).isEqualTo("UP");
    assertThat((String) JsonPath.read(health, "$.components.backstop.status")).isEqualTo("UP");
    Map<String, Object> open = JsonPath.read(health, "$.components.backstop.details.open");
    assertThat(open).containsKey(origin());
  }

  /**
   * Healthy, dead, healed: checks what each phase did against the server's own count, the meters
   * {@code backstop.calls} and the endpoint {@code backstop}.
   */
  private void drill(
      String operation,
      Callable<Result> call,
      IntSupplier serverCount,
      java.util.function.Consumer<Boolean> dead)
      throws Exception {
    Map<String, Double> before = calls(operation);
    int start = serverCount.getAsInt();

    Map<Result, Integer> healthy = run(call, HEALTHY);
    assertThat(healthy).containsEntry(Result.OK, HEALTHY);
    assertThat(serverCount.getAsInt() - start).isEqualTo(HEALTHY);

    // The downstream dies a moment later.
    dead.accept(true);
    ticker.advance(Duration.ofMillis(100));
    int deadStart = serverCount.getAsInt();
    Map<Result, Integer> outage = run(call, DEAD);
    int sent = serverCount.getAsInt() - deadStart;
    assertThat(outage.get(Result.OK)).isZero();
    assertThat(outage.get(Result.FAILED)).isEqualTo(sent);
    assertThat(outage.get(Result.REJECTED)).isEqualTo(DEAD - sent);
    assertThat(outage.get(Result.REJECTED)).isGreaterThan(DEAD * 3 / 4);

    Map<String, Double> during = calls(operation);
    assertThat(during.get("success") - before.get("success")).isEqualTo(HEALTHY);
    assertThat(during.get("failure") - before.get("failure")).isEqualTo(sent);
    assertThat(during.get("rejected") - before.get("rejected")).isEqualTo(DEAD - sent);

    String snapshot = get("/actuator/backstop/" + operation);
    assertThat((String) JsonPath.read(snapshot, "$.state")).isEqualTo("OPEN");
    assertThat(((Number) JsonPath.read(snapshot, "$.accepts")).longValue()).isEqualTo(HEALTHY);
    assertThat(((Number) JsonPath.read(snapshot, "$.total")).longValue())
        .isEqualTo(HEALTHY + DEAD);
    assertThat(((Number) JsonPath.read(snapshot, "$.probability")).doubleValue())
        .isBetween(0.9, 1.0);
    String all = get("/actuator/backstop");
    assertThat((String) JsonPath.read(all, "$.operations['" + operation + "'].state"))
        .isEqualTo("OPEN");

    // Healed: within one probe interval a call goes through and succeeds; each success lets the
    // next call through, and a run of them spread over time ends the shedding.
    dead.accept(false);
    ticker.advance(DEFAULTS.probe());
    int healedStart = serverCount.getAsInt();
    Map<Result, Integer> healed = new EnumMap<>(Result.class);
    for (int i = 0; i < HEALTHY; i++) {
      healed.merge(call.call(), 1, Integer::sum);
      ticker.advance(HEALED_PACE);
    }
    assertThat(healed).containsEntry(Result.OK, HEALTHY);
    assertThat(serverCount.getAsInt() - healedStart).isEqualTo(HEALTHY);

    Map<String, Double> after = calls(operation);
    assertThat(after.get("success") - before.get("success")).isEqualTo(2 * HEALTHY);
    assertThat(after.get("success") + after.get("failure") - before.get("success") - before.get("failure"))
        .isEqualTo(serverCount.getAsInt() - start);
    assertThat((String) JsonPath.read(get("/actuator/backstop/" + operation), "$.state"))
        .isEqualTo("CLOSED");
  }

  private static Map<Result, Integer> run(Callable<Result> call, int n) throws Exception {
    Map<Result, Integer> results = new EnumMap<>(Result.class);
    for (Result r : Result.values()) {
      results.put(r, 0);
    }
    for (int i = 0; i < n; i++) {
      results.merge(call.call(), 1, Integer::sum);
    }
    return results;
  }

  private static Result http(Runnable call) {
    try {
      call.run();
      return Result.OK;
    } catch (ResourceAccessException e) {
      assertThat(e.getCause()).isInstanceOf(NotAllowedException.class);
      return Result.REJECTED;
    } catch (HttpServerErrorException e) {
      assertThat(e.getStatusCode().value()).isEqualTo(503);
      return Result.FAILED;
    }
  }

  private static Result web(Mono<?> call) {
    try {
      call.block(WAIT);
      return Result.OK;
    } catch (WebClientRequestException e) {
      assertThat(e.getCause()).isInstanceOf(NotAllowedException.class);
      return Result.REJECTED;
    } catch (WebClientResponseException e) {
      assertThat(e.getStatusCode().value()).isEqualTo(503);
      return Result.FAILED;
    }
  }

  /** The count of {@code backstop.allowed} for the operation; 0 before any. */
  private double allowed(String operation) throws Exception {
    HttpResponse<String> response =
        actuator.send(
            request(
                "/actuator/metrics/backstop.allowed?tag="
                    + URLEncoder.encode("operation:" + operation, StandardCharsets.UTF_8)),
            HttpResponse.BodyHandlers.ofString());
    return response.statusCode() == 404
        ? 0.0
        : ((Number) JsonPath.read(response.body(), "$.measurements[0].value")).doubleValue();
  }

  /** The counts of {@code backstop.calls} for the operation, by outcome; 0 before any. */
  private Map<String, Double> calls(String operation) throws Exception {
    Map<String, Double> counts = new java.util.HashMap<>();
    for (String outcome : new String[] {"success", "failure", "rejected"}) {
      HttpResponse<String> response =
          actuator.send(
              request(
                  "/actuator/metrics/backstop.calls?tag="
                      + URLEncoder.encode("operation:" + operation, StandardCharsets.UTF_8)
                      + "&tag=outcome:"
                      + outcome),
              HttpResponse.BodyHandlers.ofString());
      counts.put(
          outcome,
          response.statusCode() == 404
              ? 0.0
              : ((Number) JsonPath.read(response.body(), "$.measurements[0].value")).doubleValue());
    }
    return counts;
  }

  private String get(String path) throws Exception {
    HttpResponse<String> response =
        actuator.send(request(path), HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(path + ": " + response.body()).isEqualTo(200);
    return response.body();
  }

  private HttpRequest request(String path) {
    return HttpRequest.newBuilder(URI.create(origin() + path)).timeout(Duration.ofSeconds(10)).build();
  }

  private String origin() {
    return "http://127.0.0.1:" + port;
  }

  /** An HTTP service client of the group "users". */
  interface Users {
    @GetExchange
    ResponseEntity<Void> get(URI uri);
  }

  /** An HTTP service client of the WebClient-backed group "orders". */
  interface Orders {
    @GetExchange
    Mono<ResponseEntity<Void>> get(URI uri);
  }

  /**
   * The downstream: counts what reaches it, and answers 503 while dead. It holds requests to
   * {@code /downstream/held/*} without a thread until the test ends, and signals each arrival
   * at {@code /downstream/held/watched}.
   */
  @RestController
  static class Downstream {
    final AtomicInteger received = new AtomicInteger();
    final Semaphore arrived = new Semaphore(0);
    final Queue<DeferredResult<String>> held = new ConcurrentLinkedQueue<>();
    volatile boolean dead;

    @GetMapping("/downstream/**")
    ResponseEntity<String> get() {
      received.incrementAndGet();
      return dead ? ResponseEntity.status(503).body("dead") : ResponseEntity.ok("ok");
    }

    @GetMapping("/downstream/held/{tag}")
    DeferredResult<String> held(@PathVariable String tag) {
      received.incrementAndGet();
      DeferredResult<String> result = new DeferredResult<>();
      held.add(result);
      if (tag.equals("watched")) {
        arrived.release();
      }
      return result;
    }

    void releaseHeld() {
      for (DeferredResult<String> r; (r = held.poll()) != null; ) {
        r.setResult("late");
      }
    }
  }

  @SpringBootConfiguration
  @EnableAutoConfiguration
  @ImportHttpServices(group = "users", types = Users.class)
  @ImportHttpServices(
      group = "orders",
      types = Orders.class,
      clientType = HttpServiceGroup.ClientType.WEB_CLIENT)
  static class App {
    @Bean
    FakeTicker ticker() {
      return new FakeTicker();
    }

    @Bean
    Downstream downstream() {
      return new Downstream();
    }
  }
}
