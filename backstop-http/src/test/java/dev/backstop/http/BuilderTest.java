package dev.backstop.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.backstop.Backstop;
import dev.backstop.testing.RecordingBreaker;
import dev.backstop.testing.RecordingBreaker.Counts;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class BuilderTest {

  private static final HttpClient JDK = HttpClient.newHttpClient();

  @AfterAll
  static void closeClient() {
    BackstopHttpClient.wrap(JDK).close();
  }

  @Test
  void nullsAreRejectedWithTheParameterName() {
    BackstopHttpClient.Builder builder = BackstopHttpClient.builder(JDK);
    assertThatThrownBy(() -> BackstopHttpClient.builder(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("client");
    assertThatThrownBy(() -> BackstopHttpClient.wrap(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("client");
    assertThatThrownBy(() -> builder.backstop(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("backstop");
    assertThatThrownBy(() -> builder.operation(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("operation");
    assertThatThrownBy(() -> builder.failureWhen(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("failureWhen");
  }

  @Test
  void requestsAndHandlersAreCheckedBeforeTheBreakerIsAsked() {
    RecordingBreaker breaker = new RecordingBreaker();
    BackstopHttpClient client =
        BackstopHttpClient.builder(JDK)
            .backstop(Backstop.builder().breakers(op -> breaker).build())
            .build();
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:9/")).build();
    assertThatThrownBy(() -> client.send(null, BodyHandlers.discarding()))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("request");
    assertThatThrownBy(() -> client.send(request, null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("responseBodyHandler");
    assertThatThrownBy(() -> client.sendAsync(null, BodyHandlers.discarding()))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("request");
    assertThatThrownBy(() -> client.sendAsync(request, null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("responseBodyHandler");
    assertThatThrownBy(() -> client.sendAsync(request, null, null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("responseBodyHandler");
    assertThat(breaker.counts()).isEqualTo(new Counts(0, 0, 0, 0, 0));
  }

  @Test
  void wrapGivesEachClientItsOwnBackstopAndTheBuilderSharesTheGivenOne() {
    assertThat(BackstopHttpClient.wrap(JDK).backstop())
        .isNotSameAs(BackstopHttpClient.wrap(JDK).backstop());
    Backstop shared = Backstop.create();
    BackstopHttpClient.Builder builder = BackstopHttpClient.builder(JDK).backstop(shared);
    BackstopHttpClient first = builder.build();
    BackstopHttpClient second = builder.build();
    assertThat(first).isNotSameAs(second);
    assertThat(first.backstop()).isSameAs(shared);
    assertThat(second.backstop()).isSameAs(shared);
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
    "http://Example.COM/users/42?x=1, http://example.com:80",
    "HTTPS://example.com/, https://example.com:443",
    "http://example.com:8080/a, http://example.com:8080",
    "https://example.com:80/, https://example.com:80",
    "http://user:secret@example.com/, http://example.com:80",
    "https://[::1]:8443/x, https://[::1]:8443",
    "http://127.0.0.1:1/, http://127.0.0.1:1",
  })
  void theDefaultOperationIsTheOriginWithItsPort(String uri, String origin) {
    assertThat(BackstopHttpClient.origin(HttpRequest.newBuilder(URI.create(uri)).build()))
        .isEqualTo(origin);
  }

  private static String origin(String uri) {
    return BackstopHttpClient.origin(HttpRequest.newBuilder(URI.create(uri)).build());
  }

  @Test
  void theDefaultOperationReusesTheKeyOfARecentOriginAndNeverMixesOriginsUp() {
    String first = origin("http://reused.example.com:8080/a");
    assertThat(origin("http://reused.example.com:8080/b?c")).isSameAs(first);
    // Origins that differ only in scheme, or in port, or in host each get their own key.
    assertThat(origin("https://reused.example.com:8080/"))
        .isEqualTo("https://reused.example.com:8080");
    assertThat(origin("http://reused.example.com:8081/"))
        .isEqualTo("http://reused.example.com:8081");
    assertThat(origin("http://reused.example.org:8080/"))
        .isEqualTo("http://reused.example.org:8080");
    // The same origin with and without its default port, or in other cases: the same key.
    assertThat(origin("HTTP://Reused.Example.com/")).isEqualTo("http://reused.example.com:80");
    assertThat(origin("http://reused.example.com/")).isEqualTo("http://reused.example.com:80");
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
                try {
                  start.await();
                } catch (InterruptedException e) {
                  throw new IllegalStateException(e);
                }
                int wrong = 0;
                for (int i = 0; i < 20_000; i++) {
                  int n = (i * 7 + id) % origins;
                  String scheme = n % 2 == 0 ? "http" : "https";
                  String host = "h" + (n % 10) + ".example.com";
                  int port = 8000 + n / 10;
                  String expected = scheme + "://" + host + ":" + port;
                  if (!origin(expected + "/x").equals(expected)) {
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
}
