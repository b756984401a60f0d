package dev.backstop.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.backstop.Backstop;
import dev.backstop.NotAllowedException;
import dev.backstop.testing.HttpBackend;
import dev.backstop.testing.RecordingBreaker;
import dev.backstop.testing.RecordingBreaker.Counts;
import java.net.ConnectException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpMethod;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.web.reactive.function.client.ExchangeFilterFunction;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.function.client.WebClientRequestException;
import org.springframework.web.reactive.function.client.WebClientResponseException;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

/** The filter's outcome rules, through a real WebClient over Reactor Netty and a real server. */
class BackstopExchangeFilterTest {

  private static final Duration WAIT = Duration.ofSeconds(10);

  private final Map<String, RecordingBreaker> breakers = new ConcurrentHashMap<>();
  private final Backstop backstop =
      Backstop.builder().breakers(op -> breakers.computeIfAbsent(op, RecordingBreaker::new)).build();
  private final HttpBackend backend = HttpBackend.start();
  // One connection: a response whose body nobody released would hold it, and the next call
  // would wait for it until its acquire timed out.
  private final ConnectionProvider pool =
      ConnectionProvider.builder("one")
          .maxConnections(1)
          .pendingAcquireTimeout(Duration.ofSeconds(5))
          .build();

  @AfterEach
  void stop() {
    backend.close();
    pool.disposeLater().block(WAIT);
  }

  private WebClient client(HttpClient http, ExchangeFilterFunction... filters) {
    return WebClient.builder()
        .clientConnector(new ReactorClientHttpConnector(http))
        .baseUrl(backend.origin())
        .filters(list -> list.addAll(List.of(filters)))
        .build();
  }

  private WebClient client(ExchangeFilterFunction... filters) {
    return client(HttpClient.create(pool), filters);
  }

  private static int status(WebClient client, String path) {
    return client
        .get()
        .uri(path)
        .exchangeToMono(response -> Mono.just(response.statusCode().value()))
        .block(WAIT);
  }

  private RecordingBreaker breaker() {
    return breakers.get(backend.origin());
  }

  @Test
  void fourHundredsAndOtherAnswersAreSuccessesAndServerTroubleIsAFailure() {
    WebClient client = client(BackstopExchangeFilter.create(backstop));
    for (int status : new int[] {200, 204, 400, 404, 429, 502, 500, 503, 504}) {
      backend.status(status);
      assertThat(status(client, "/status")).isEqualTo(status);
    }
    assertThat(breakers.keySet()).containsExactly(backend.origin());
    assertThat(breaker().counts()).isEqualTo(new Counts(9, 6, 3, 0, 0));
  }

  @Test
  void aFailingResponseReachesTheCallerWithItsBody() {
    WebClient client = client(BackstopExchangeFilter.create(backstop));
    backend.status(503);

    assertThat(
            client
                .get()
                .uri("/x")
                .exchangeToMono(response -> response.bodyToMono(String.class))
                .block(WAIT))
        .isEqualTo("status 503");
    assertThatThrownBy(() -> client.get().uri("/x").retrieve().toEntity(String.class).block(WAIT))
        .isInstanceOfSatisfying(
            WebClientResponseException.ServiceUnavailable.class,
            e -> assertThat(e.getResponseBodyAsString()).isEqualTo("status 503"));
    assertThat(breaker().counts()).isEqualTo(new Counts(2, 0, 2, 0, 0));
  }

  @Test
  void failingResponsesWhoseBodiesAreNotReadStillGiveTheirConnectionBack() {
    WebClient client = client(BackstopExchangeFilter.create(backstop));
    backend.status(503);
    for (int i = 0; i < 20; i++) {
      assertThat(status(client, "/x")).isEqualTo(503);
      assertThatThrownBy(() -> client.get().uri("/x").retrieve().toBodilessEntity().block(WAIT))
          .isInstanceOf(WebClientResponseException.ServiceUnavailable.class);
    }
    assertThat(backend.requests()).isEqualTo(40);
    assertThat(breaker().counts()).isEqualTo(new Counts(40, 0, 40, 0, 0));
  }

  @Test
  void aRejectedRequestIsNotSentAndFailsAsTheClientsOwnErrorWithTheRejectionAsCause() {
    WebClient client = client(BackstopExchangeFilter.create(backstop));
    RecordingBreaker breaker =
        breakers.computeIfAbsent(backend.origin(), RecordingBreaker::new).rejectAll();

    assertThatThrownBy(() -> status(client, "/users/7?full=true"))
        .isInstanceOfSatisfying(
            WebClientRequestException.class,
            e -> {
              assertThat(e.getMethod()).isEqualTo(HttpMethod.GET);
              assertThat(e.getUri()).isEqualTo(backend.uri("/users/7?full=true"));
            })
        .hasMessage("request failed due to circuit breaker triggered")
        .cause()
        .isSameAs(breaker.rejection());
    assertThat(backend.requests()).isZero();
    assertThat(breaker.counts()).isEqualTo(new Counts(0, 0, 0, 0, 1));
  }

  @Test
  void aRefusedConnectionIsAFailureAndReachesTheCallerUnchanged() {
    WebClient client = client(BackstopExchangeFilter.create(backstop));
    backend.stop();

    assertThatThrownBy(() -> status(client, "/x"))
        .isInstanceOf(WebClientRequestException.class)
        .cause()
        .isInstanceOf(ConnectException.class);
    assertThat(breaker().counts()).isEqualTo(new Counts(1, 0, 1, 0, 0));
  }

  @Test
  void aResponseTimeoutIsAFailure() {
    WebClient client =
        client(
            HttpClient.create(pool).responseTimeout(Duration.ofMillis(200)),
            BackstopExchangeFilter.create(backstop));
    backend.hang();

    assertThatThrownBy(() -> status(client, "/x")).isInstanceOf(WebClientRequestException.class);
    assertThat(breaker().counts()).isEqualTo(new Counts(1, 0, 1, 0, 0));
  }

  @Test
  void aCancelBeforeTheResponseIsIgnoredAndOneAfterItCountsTheResponse() throws Exception {
    WebClient client = client(BackstopExchangeFilter.create(backstop));
    Mono<String> call = client.get().uri("/x").retrieve().bodyToMono(String.class);

    backend.hang();
    Disposable waiting = call.subscribe(v -> {}, e -> {});
    backend.awaitRequests(1, WAIT);
    waiting.dispose();
    assertThat(breaker().counts()).isEqualTo(new Counts(1, 0, 0, 1, 0));

    // A timeout applied to the call cancels it: ignored, since the caller gave up.
    assertThatThrownBy(() -> call.timeout(Duration.ofMillis(50)).block(WAIT))
        .hasCauseInstanceOf(java.util.concurrent.TimeoutException.class);
    assertThat(breaker().counts()).isEqualTo(new Counts(2, 0, 0, 2, 0));

    backend.release();
    assertThat(call.block(WAIT)).isEqualTo("status 200");
    assertThat(breaker().counts()).isEqualTo(new Counts(3, 1, 0, 2, 0));
  }

  @Test
  void anErrorOfTheClientsOwnIsIgnoredAndReachesTheCallerUnchanged() {
    IllegalStateException bug = new IllegalStateException("a later filter's bug");
    WebClient client =
        client(BackstopExchangeFilter.create(backstop), (request, next) -> Mono.error(bug));

    assertThatThrownBy(() -> status(client, "/x")).isSameAs(bug);
    assertThat(backend.requests()).isZero();
    assertThat(breaker().counts()).isEqualTo(new Counts(1, 0, 0, 1, 0));
  }

  @Test
  void anotherGuardsRejectionIsIgnoredAndReachesTheCallerUnchanged() {
    NotAllowedException other = new NotAllowedException("another guard");
    WebClient client =
        client(BackstopExchangeFilter.create(backstop), (request, next) -> Mono.error(other));

    assertThatThrownBy(() -> status(client, "/x")).isSameAs(other);
    assertThat(breaker().counts()).isEqualTo(new Counts(1, 0, 0, 1, 0));
  }

  @Test
  void aStatusTurnedIntoAnErrorFurtherDownCountsByItsStatus() {
    ExchangeFilterFunction statusErrors =
        ExchangeFilterFunction.ofResponseProcessor(
            response ->
                response.statusCode().isError()
                    ? response.createException().flatMap(Mono::error)
                    : Mono.just(response));
    WebClient client = client(BackstopExchangeFilter.create(backstop), statusErrors);

    backend.status(404);
    assertThatThrownBy(() -> status(client, "/x"))
        .isInstanceOf(WebClientResponseException.NotFound.class);
    backend.status(503);
    assertThatThrownBy(() -> status(client, "/x"))
        .isInstanceOf(WebClientResponseException.ServiceUnavailable.class);
    assertThat(breaker().counts()).isEqualTo(new Counts(2, 1, 1, 0, 0));
  }

  @Test
  void eachSubscriptionAsksTheBreakerSoARetryAsksAgain() {
    WebClient client = client(BackstopExchangeFilter.create(backstop));
    backend.status(503);

    assertThatThrownBy(
            () -> client.get().uri("/x").retrieve().toBodilessEntity().retry(2).block(WAIT))
        .isInstanceOf(WebClientResponseException.ServiceUnavailable.class);
    assertThat(backend.requests()).isEqualTo(3);
    assertThat(breaker().counts()).isEqualTo(new Counts(3, 0, 3, 0, 0));
  }

  @Test
  void theOperationAttributeNamesTheBreaker() {
    WebClient client =
        client(
            BackstopExchangeFilter.builder()
                .backstop(backstop)
                .operation(request -> request.method() + " " + request.url().getPath())
                .build());
    client
        .get()
        .uri("/users/7")
        .attribute(BackstopRequestInterceptor.OPERATION, "users.get")
        .retrieve()
        .toBodilessEntity()
        .block(WAIT);
    client.get().uri("/orders").retrieve().toBodilessEntity().block(WAIT);

    assertThat(breakers.keySet()).containsExactlyInAnyOrder("users.get", "GET /orders");
  }

  @Test
  void failureWhenDecidesOnTheStatusAndAThrowingOneCountsAFailure() {
    WebClient client =
        client(
            BackstopExchangeFilter.builder()
                .backstop(backstop)
                .failureWhen(status -> status.value() == 404)
                .build());
    backend.status(404);
    assertThat(status(client, "/x")).isEqualTo(404);
    backend.status(503);
    assertThat(status(client, "/x")).isEqualTo(503);
    assertThat(breaker().counts()).isEqualTo(new Counts(2, 1, 1, 0, 0));

    WebClient throwing =
        client(
            BackstopExchangeFilter.builder()
                .backstop(backstop)
                .operation(request -> "throwing")
                .failureWhen(
                    status -> {
                      throw new IllegalStateException("classifier bug");
                    })
                .build());
    backend.status(200);
    assertThat(status(throwing, "/x")).isEqualTo(200);
    assertThat(breakers.get("throwing").counts()).isEqualTo(new Counts(1, 0, 1, 0, 0));
  }

  @Test
  void optionsRejectNull() {
    BackstopExchangeFilter.Builder builder = BackstopExchangeFilter.builder();
    assertThatThrownBy(() -> builder.backstop(null)).hasMessage("backstop");
    assertThatThrownBy(() -> builder.operation(null)).hasMessage("operation");
    assertThatThrownBy(() -> builder.failureWhen(null)).hasMessage("failureWhen");
  }

  @Test
  void anOperationFunctionReturningNullFailsTheRequestBeforeItIsSent() {
    WebClient client =
        client(BackstopExchangeFilter.builder().backstop(backstop).operation(r -> null).build());
    assertThatThrownBy(() -> status(client, "/x"))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("operation returned null for GET " + backend.origin() + "/x");
    assertThat(backend.requests()).isZero();
  }

  @Test
  void toStringShowsTheOptionsAndTheBackstop() {
    assertThat(BackstopExchangeFilter.create(backstop).toString())
        .isEqualTo(
            "BackstopExchangeFilter(operation=origin, failureWhen=status in [500, 503, 504], "
                + backstop
                + ")");
  }
}
