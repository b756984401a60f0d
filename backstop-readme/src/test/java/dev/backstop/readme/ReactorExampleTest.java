package dev.backstop.readme;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backstop.Backstop;
import dev.backstop.NotAllowedException;
import dev.backstop.reactor.BackstopOperator;
import dev.backstop.testing.HttpBackend;
import dev.backstop.testing.RecordingBreaker;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;

/** The README's Reactor section, and its example run against a real server. */
class ReactorExampleTest {

  static Mono<String> user(HttpClient http, Backstop backstop, String baseUrl, String id) {
    // README: Reactor
    BackstopOperator<String> guard = BackstopOperator.of(backstop, "users.get");  // keep and reuse it
    Mono<String> user = http.get()                                               // Reactor Netty's HttpClient
        .uri(baseUrl + "/users/" + id)
        .responseSingle((response, body) -> response.status().code() >= 500
            ? Mono.error(new IllegalStateException("status " + response.status()))
            : body.asString())
        .transformDeferred(guard)                                                // one decision per subscription
        .onErrorResume(NotAllowedException.class, e -> Mono.just("fallback"));
    return user;
  }

  @Test
  void theExampleAnswersThenFallsBackOnceTheBreakerSheds() {
    Backstop shedding =
        Backstop.builder().breakers(op -> new RecordingBreaker(op).rejectAll()).build();
    try (HttpBackend backend = HttpBackend.start()) {
      HttpClient http = HttpClient.create();
      assertThat(user(http, Backstop.create(), backend.origin(), "1").block(Duration.ofSeconds(10)))
          .isEqualTo("status 200");
      assertThat(user(http, shedding, backend.origin(), "1").block(Duration.ofSeconds(10)))
          .isEqualTo("fallback");
      assertThat(backend.requests()).isEqualTo(1);
    }
  }
}
