package dev.backstop.http;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.backstop.Backstop;
import dev.backstop.NotAllowedException;
import dev.backstop.Snapshot;
import dev.backstop.State;
import dev.backstop.testing.FakeTicker;
import dev.backstop.testing.RecordingBreaker;
import dev.backstop.testing.RecordingBreaker.Counts;
import dev.backstop.testing.RecordingListener;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledForJreRange;
import org.junit.jupiter.api.condition.JRE;

/**
 * What the client does to its requests never opens the breaker of a healthy backend: a thousand
 * requests cancelled, interrupted, shed by an inner guard or cut by the client's shutdown leave a
 * default {@code SreBreaker} closed, with each reported as ignored and none as a failure. A real
 * JDK client and server on loopback.
 */
class HealthyBackendTest {

  private static final int CALLS = 1_000;

  private final RecordingListener listener = new RecordingListener();
  /** Default breakers on a fake clock that stands still: every request stays in the window. */
  private final Backstop backstop =
      Backstop.builder().ticker(new FakeTicker()).listener(listener).build();
  private final List<HttpClient> jdks = new ArrayList<>();
  private TestServer server;

  @BeforeEach
  void startServer() throws IOException {
    server = TestServer.start();
  }

  @AfterEach
  void stop() {
    server.close();
    jdks.forEach(jdk -> BackstopHttpClient.wrap(jdk).close());
  }

  private HttpClient jdk() {
    HttpClient jdk = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    jdks.add(jdk);
    return jdk;
  }

  private BackstopHttpClient client(HttpClient delegate) {
    return BackstopHttpClient.builder(delegate).backstop(backstop).build();
  }

  private HttpRequest get() {
    return HttpRequest.newBuilder(server.uri("/x")).build();
  }

  /** The breaker is closed, holds no failure, and {@code ignored} requests were reported so. */
  private void assertIgnoredAndClosed(int ignored, int successes) {
    assertThat(listener.counts(server.origin()))
        .isEqualTo(new Counts(ignored + successes, successes, 0, ignored, 0));
    Snapshot snapshot = backstop.snapshot(server.origin());
    assertThat(snapshot.state()).isEqualTo(State.CLOSED);
    assertThat(snapshot.total()).isEqualTo(successes);
  }

  @Test
  void aThousandCancelledRequestsAreIgnored() throws Exception {
    BackstopHttpClient client = client(jdk());

    for (int batch = 0; batch < CALLS / 100; batch++) {
      server.hang();
      List<CompletableFuture<?>> futures = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        CompletableFuture<HttpResponse<String>> sent =
            client.sendAsync(get(), BodyHandlers.ofString());
        // Half are cancelled directly, half through a future derived from the returned one.
        futures.add(i % 2 == 0 ? sent : sent.thenApply(HttpResponse::body));
      }
      server.awaitHanging(100);
      futures.forEach(f -> assertThat(f.cancel(true)).isTrue());
      server.release();
    }

    assertThat(server.requests()).isEqualTo(CALLS);
    assertIgnoredAndClosed(CALLS, 0);
    assertThat(client.send(get(), BodyHandlers.ofString()).statusCode()).isEqualTo(200);
    assertIgnoredAndClosed(CALLS, 1);
  }

  @Test
  void interruptedSendsAreIgnored() throws Exception {
    BackstopHttpClient client = client(jdk());
    server.hang();
    List<Thread> callers = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      Thread caller =
          new Thread(
              () -> {
                try {
                  client.send(get(), BodyHandlers.ofString());
                } catch (InterruptedException expected) {
                  // the caller gave up
                } catch (IOException e) {
                  throw new AssertionError(e);
                }
              });
      caller.start();
      callers.add(caller);
    }
    server.awaitHanging(100);
    callers.forEach(Thread::interrupt);
    for (Thread caller : callers) {
      caller.join(10_000);
    }
    server.release();

    assertIgnoredAndClosed(100, 0);
  }

  @Test
  void aThousandRejectionsOfAnInnerGuardAreIgnoredByTheOuterOne() throws Exception {
    BackstopHttpClient inner =
        BackstopHttpClient.builder(jdk())
            .backstop(
                Backstop.builder().breakers(op -> new RecordingBreaker(op).rejectAll()).build())
            .build();
    BackstopHttpClient outer = client(inner);

    for (int i = 0; i < CALLS; i++) {
      if (i % 2 == 0) {
        assertThatThrownBy(() -> outer.send(get(), BodyHandlers.ofString()))
            .isInstanceOf(NotAllowedException.class);
      } else {
        assertThatThrownBy(() -> outer.sendAsync(get(), BodyHandlers.ofString()).get(10, SECONDS))
            .isInstanceOf(ExecutionException.class)
            .hasCauseInstanceOf(NotAllowedException.class);
      }
    }

    assertThat(server.requests()).isZero();
    assertIgnoredAndClosed(CALLS, 0);
  }

  @Test
  @EnabledForJreRange(min = JRE.JAVA_21) // HttpClient has no shutdown before Java 21
  void aThousandRequestsCutByTheClientsShutdownAreIgnored() throws Exception {
    BackstopHttpClient client = client(jdk());
    server.hang();
    List<CompletableFuture<HttpResponse<String>>> inFlight = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      inFlight.add(client.sendAsync(get(), BodyHandlers.ofString()));
    }
    server.awaitHanging(200);

    client.shutdownNow();

    for (CompletableFuture<HttpResponse<String>> f : inFlight) {
      assertThatThrownBy(() -> f.get(10, SECONDS)).hasCauseInstanceOf(IOException.class);
    }
    for (int i = 0; i < CALLS - 200; i++) {
      assertThatThrownBy(() -> client.send(get(), BodyHandlers.ofString()))
          .isInstanceOf(IOException.class);
    }
    server.release();
    assertIgnoredAndClosed(CALLS, 0);
  }
}
