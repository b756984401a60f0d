package dev.backstop.http;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.backstop.Backstop;
import dev.backstop.Outcome;
import dev.backstop.testing.RecordingBreaker;
import dev.backstop.testing.RecordingBreaker.Counts;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandler;
import java.net.http.HttpResponse.BodyHandlers;
import java.net.http.HttpResponse.BodySubscriber;
import java.net.http.HttpResponse.BodySubscribers;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code send} and {@code sendAsync} record the same outcome for every way a request can end,
 * over a real JDK client and server.
 */
class AgreementTest {

  /** A way for a request to end, and the outcome both paths must record for it. */
  enum Case {
    OK(Outcome.SUCCESS),
    NOT_FOUND(Outcome.SUCCESS),
    SERVER_ERROR(Outcome.FAILURE),
    CONNECTION_REFUSED(Outcome.FAILURE),
    REQUEST_TIMEOUT(Outcome.FAILURE),
    /** A body handler that throws: a mapping bug on the client, the JDK's send wraps it. */
    BODY_HANDLER_BUG(Outcome.IGNORED),
    /** A body handler that fails with an IOException, as a JSON parser's: failureWhen's. */
    BODY_HANDLER_IO_ERROR(Outcome.FAILURE),
    /** The request goes through another BackstopHttpClient, which rejects it. */
    INNER_REJECTION(Outcome.IGNORED),
    /** An interrupted send; a sendAsync future cancelled with cancel(true). */
    CALLER_GAVE_UP(Outcome.IGNORED),
    FAILURE_WHEN_THROWS(Outcome.FAILURE);

    final Outcome expected;

    Case(Outcome expected) {
      this.expected = expected;
    }
  }

  private static HttpClient jdk;
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

  @ParameterizedTest
  @EnumSource(Case.class)
  void sendAndSendAsyncRecordTheSameOutcome(Case c) throws Exception {
    Counts expected =
        switch (c.expected) {
          case SUCCESS -> new Counts(1, 1, 0, 0, 0);
          case FAILURE -> new Counts(1, 0, 1, 0, 0);
          case IGNORED -> new Counts(1, 0, 0, 1, 0);
        };

    assertThat(run(c, false)).as("send").isEqualTo(expected);
    assertThat(run(c, true)).as("sendAsync").isEqualTo(expected);
  }

  /** Makes one request that ends as {@code c} says and returns what its breaker recorded. */
  private Counts run(Case c, boolean async) throws Exception {
    RecordingBreaker breaker = new RecordingBreaker();
    BackstopHttpClient.Builder builder =
        BackstopHttpClient.builder(c == Case.INNER_REJECTION ? rejecting() : jdk)
            .backstop(Backstop.builder().breakers(op -> breaker).build());
    if (c == Case.FAILURE_WHEN_THROWS) {
      builder.failureWhen(
          (response, error) -> {
            throw new IllegalStateException("predicate bug");
          });
    }
    BackstopHttpClient client = builder.build();
    URI uri = server.uri("/x");
    BodyHandler<String> handler = BodyHandlers.ofString();
    HttpRequest.Builder request = HttpRequest.newBuilder();
    switch (c) {
      case NOT_FOUND -> server.status(404);
      case SERVER_ERROR -> server.status(503);
      case CONNECTION_REFUSED -> uri = refusing();
      case REQUEST_TIMEOUT -> {
        server.hang();
        request.timeout(Duration.ofMillis(100));
      }
      case BODY_HANDLER_BUG ->
          handler =
              info ->
                  BodySubscribers.mapping(
                      BodySubscribers.ofString(StandardCharsets.UTF_8),
                      body -> {
                        throw new IllegalStateException("mapping bug");
                      });
      case BODY_HANDLER_IO_ERROR -> handler = info -> new Garbage();
      case CALLER_GAVE_UP -> server.hang();
      default -> server.status(200);
    }
    HttpRequest r = request.uri(uri).build();
    if (c == Case.CALLER_GAVE_UP) {
      giveUp(client, r, handler, async);
    } else {
      try {
        if (async) {
          client.sendAsync(r, handler).get(10, SECONDS);
        } else {
          client.send(r, handler);
        }
      } catch (Exception expected) {
        // the outcome is what counts here
      }
    }
    server.release();
    return breaker.awaitMarks(1, Duration.ofSeconds(10));
  }

  /** Interrupts a send, or cancels a sendAsync, once the request has reached the server. */
  private void giveUp(
      HttpClient client, HttpRequest request, BodyHandler<String> handler, boolean async)
      throws Exception {
    if (async) {
      CompletableFuture<HttpResponse<String>> future = client.sendAsync(request, handler);
      server.awaitEntered();
      future.cancel(true);
      return;
    }
    Thread caller =
        new Thread(
            () -> {
              try {
                client.send(request, handler);
              } catch (Exception expected) {
                // InterruptedException
              }
            });
    caller.start();
    server.awaitEntered();
    caller.interrupt();
    caller.join(10_000);
  }

  /** A BackstopHttpClient whose own breaker rejects every request. */
  private static HttpClient rejecting() {
    return BackstopHttpClient.builder(jdk)
        .backstop(Backstop.builder().breakers(op -> new RecordingBreaker(op).rejectAll()).build())
        .build();
  }

  /** A URI on a loopback port nothing listens on. */
  private static URI refusing() throws IOException {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    return URI.create("http://127.0.0.1:" + port + "/x");
  }

  /** A body subscriber that reads the body and then fails as a parser would: an IOException. */
  private static final class Garbage implements BodySubscriber<String> {
    private final BodySubscriber<String> body = BodySubscribers.ofString(StandardCharsets.UTF_8);

    @Override
    public CompletionStage<String> getBody() {
      return body.getBody()
          .thenCompose(s -> CompletableFuture.failedFuture(new IOException("not JSON: " + s)));
    }

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
      body.onSubscribe(subscription);
    }

    @Override
    public void onNext(List<ByteBuffer> item) {
      body.onNext(item);
    }

    @Override
    public void onError(Throwable throwable) {
      body.onError(throwable);
    }

    @Override
    public void onComplete() {
      body.onComplete();
    }
  }
}
