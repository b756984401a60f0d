package dev.backstop.reactor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backstop.Backstop;
import dev.backstop.NotAllowedException;
import dev.backstop.testing.HttpBackend;
import dev.backstop.testing.RecordingBreaker;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;

/** The README's example, as written there, against a real backend. */
class ReadmeExampleTest {

  /** The README's example: a Reactor Netty GET guarded by the operator. */
  static Mono<String> user(HttpClient http, Backstop backstop, String baseUrl, String id) {
    BackstopOperator<String> guard = BackstopOperator.of(backstop, "users.get");
    return http.get()
        .uri(baseUrl + "/users/" + id)
        .responseSingle(
            (response, body) ->
                response.status().code() >= 500
                    ? Mono.error(new IllegalStateException("status " + response.status()))
                    : body.asString())
        .transformDeferred(guard) // one decision per subscription
        .onErrorResume(NotAllowedException.class, e -> Mono.just("fallback"));
  }

  @Test
  void theExampleAnswersThenFallsBackOnceTheBreakerSheds() {
    Backstop backstop = Backstop.builder().breakers(RecordingBreaker::new).build();
    try (HttpBackend backend = HttpBackend.start()) {
      HttpClient http = HttpClient.create();
      assertThat(user(http, backstop, backend.origin(), "1").block(Duration.ofSeconds(10)))
          .isEqualTo("status 200");
      Backstop shedding =
          Backstop.builder()
              .breakers(op -> new RecordingBreaker(op).rejectAll())
              .build();
      assertThat(user(http, shedding, backend.origin(), "1").block(Duration.ofSeconds(10)))
          .isEqualTo("fallback");
      assertThat(backend.requests()).isEqualTo(1);
    }
  }
}
