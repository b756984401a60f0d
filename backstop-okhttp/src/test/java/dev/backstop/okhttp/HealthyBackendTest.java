package dev.backstop.okhttp;

import static dev.backstop.okhttp.Calls.await;
import static dev.backstop.okhttp.Calls.enqueue;
import static dev.backstop.okhttp.Calls.get;
import static org.assertj.core.api.Assertions.assertThat;

import dev.backstop.Backstop;
import dev.backstop.Snapshot;
import dev.backstop.State;
import dev.backstop.okhttp.Calls.Result;
import dev.backstop.testing.FakeTicker;
import dev.backstop.testing.RecordingBreaker;
import dev.backstop.testing.RecordingBreaker.Counts;
import dev.backstop.testing.RecordingListener;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.ConnectionPool;
import okhttp3.Dispatcher;
import okhttp3.OkHttpClient;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What the client does to its calls never opens the breaker of a healthy backend: a thousand
 * calls cancelled, cut by the client's shutdown or shed by an inner guard leave a default {@code
 * SreBreaker} closed, with each reported as ignored and none as a failure. Real OkHttp clients
 * against a real server on loopback.
 */
class HealthyBackendTest {

  private static final int CALLS = 1_000;

  private final RecordingListener listener = new RecordingListener();
  /** Default breakers on a fake clock that stands still: every call stays in the window. */
  private final Backstop backstop =
      Backstop.builder().ticker(new FakeTicker()).listener(listener).build();
  private final BackstopInterceptor interceptor = BackstopInterceptor.create(backstop);
  private final Calls calls = new Calls();
  private final TestServer server = TestServer.start();

  @AfterEach
  void tearDown() {
    calls.close();
    server.close();
  }

  /** A client that runs a hundred enqueued calls to one host at once. */
  private OkHttpClient client() {
    OkHttpClient client = calls.application(interceptor);
    client.dispatcher().setMaxRequests(100);
    client.dispatcher().setMaxRequestsPerHost(100);
    return client;
  }

  /** The breaker is closed, holds no failure, and {@code ignored} calls were reported so. */
  private void assertIgnoredAndClosed(int ignored, int successes) {
    assertThat(listener.counts(server.origin()))
        .isEqualTo(new Counts(ignored + successes, successes, 0, ignored, 0));
    Snapshot snapshot = backstop.snapshot(server.origin());
    assertThat(snapshot.state()).isEqualTo(State.CLOSED);
    assertThat(snapshot.total()).isEqualTo(successes);
  }

  /** Enqueues a call and returns it; the callback drops what it gets. */
  private static Call start(OkHttpClient client, TestServer server) {
    Call call = client.newCall(get(server));
    call.enqueue(
        new Callback() {
          @Override
          public void onFailure(Call call, IOException e) {}

          @Override
          public void onResponse(Call call, Response response) {
            response.close();
          }
        });
    return call;
  }

  @Test
  void aThousandCancelledCallsAreIgnored() throws Exception {
    OkHttpClient client = client();

    for (int batch = 0; batch < CALLS / 100; batch++) {
      server.hang();
      List<Call> started = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        started.add(start(client, server));
      }
      server.awaitHanging(100);
      started.forEach(Call::cancel);
      listener.awaitEnds((batch + 1) * 100, Duration.ofSeconds(10));
      server.release();
    }

    assertThat(server.requests()).isEqualTo(CALLS);
    assertIgnoredAndClosed(CALLS, 0);
    assertThat(Calls.execute(client, get(server)).code()).isEqualTo(200);
    assertIgnoredAndClosed(CALLS, 1);
  }

  @Test
  void aThousandCallsCutByTheShutdownOfTheirClientsAreIgnored() throws Exception {
    OkHttpClient base = client();
    for (int round = 0; round < CALLS / 100; round++) {
      // A client of its own, sharing only the base's settings (building its TLS setup anew costs
      // a tenth of a second).
      OkHttpClient client =
          calls.track(
              base.newBuilder().dispatcher(new Dispatcher()).connectionPool(new ConnectionPool()));
      client.dispatcher().setMaxRequests(100);
      client.dispatcher().setMaxRequestsPerHost(100);
      server.hang();
      List<CompletableFuture<Result>> results = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        results.add(enqueue(client, get(server)));
      }
      server.awaitHanging(100);

      // How an application shuts an OkHttpClient down.
      client.dispatcher().cancelAll();
      client.dispatcher().executorService().shutdown();
      client.connectionPool().evictAll();

      for (CompletableFuture<Result> result : results) {
        assertThat(await(result).error()).isInstanceOf(IOException.class);
      }
      // Calls enqueued after it fail in OkHttp's dispatcher and never reach the interceptor.
      assertThat(await(enqueue(client, get(server))).error()).hasMessage("executor rejected");
      server.release();
    }

    assertIgnoredAndClosed(CALLS, 0);
  }

  @Test
  void aThousandRejectionsOfAnInnerGuardAreIgnoredByTheOuterOne() throws Exception {
    Backstop shedding =
        Backstop.builder().breakers(op -> new RecordingBreaker(op).rejectAll()).build();
    // The application interceptor guards the call, a network interceptor of another Backstop
    // sheds it.
    OkHttpClient client =
        calls.track(
            new OkHttpClient.Builder()
                .retryOnConnectionFailure(false)
                .addInterceptor(interceptor)
                .addNetworkInterceptor(BackstopInterceptor.create(shedding)));

    for (int i = 0; i < CALLS; i++) {
      Result r =
          i % 2 == 0 ? Calls.execute(client, get(server)) : await(enqueue(client, get(server)));
      assertThat(r.rejected()).as("result %s", r).isTrue();
    }

    assertThat(server.requests()).isZero();
    assertIgnoredAndClosed(CALLS, 0);
  }
}
