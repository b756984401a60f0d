package dev.backstop.okhttp;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.Interceptor;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/** Test helpers: clients with the interceptor installed, and calls reduced to their results. */
final class Calls implements AutoCloseable {

  /** How long a test waits for an asynchronous call before failing. */
  static final Duration WAIT = Duration.ofSeconds(10);

  /** The outcome of one call: a status code, or the exception the call failed with. */
  record Result(int code, IOException error) {
    boolean rejected() {
      return error instanceof NotAllowedIOException;
    }

    @Override
    public String toString() {
      return error == null ? "HTTP " + code : error.toString();
    }
  }

  private final List<OkHttpClient> clients = new ArrayList<>();

  /** A client with {@code interceptor} installed, without OkHttp's silent retries. */
  OkHttpClient application(Interceptor interceptor) {
    return track(
        new OkHttpClient.Builder().retryOnConnectionFailure(false).addInterceptor(interceptor));
  }

  /** A client with {@code interceptor} installed as a network interceptor, without retries. */
  OkHttpClient network(Interceptor interceptor) {
    return track(
        new OkHttpClient.Builder()
            .retryOnConnectionFailure(false)
            .addNetworkInterceptor(interceptor));
  }

  OkHttpClient track(OkHttpClient.Builder builder) {
    OkHttpClient client = builder.build();
    clients.add(client);
    return client;
  }

  /** Runs the call synchronously, reading the body of a response. */
  static Result execute(OkHttpClient client, Request request) {
    try (Response response = client.newCall(request).execute()) {
      response.body().string();
      return new Result(response.code(), null);
    } catch (IOException e) {
      return new Result(0, e);
    }
  }

  /** Enqueues the call; the future completes from OkHttp's callback. */
  static CompletableFuture<Result> enqueue(OkHttpClient client, Request request) {
    CompletableFuture<Result> result = new CompletableFuture<>();
    client
        .newCall(request)
        .enqueue(
            new Callback() {
              @Override
              public void onFailure(Call call, IOException e) {
                result.complete(new Result(0, e));
              }

              @Override
              public void onResponse(Call call, Response response) {
                try (response) {
                  response.body().string();
                  result.complete(new Result(response.code(), null));
                } catch (IOException e) {
                  result.complete(new Result(0, e));
                }
              }
            });
    return result;
  }

  /** Waits for an enqueued call, failing the test after {@link #WAIT}. */
  static Result await(CompletableFuture<Result> future)
      throws InterruptedException, ExecutionException, TimeoutException {
    return future.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
  }

  static Request get(TestServer server) {
    return new Request.Builder().url(server.url("/users/42")).build();
  }

  @Override
  public void close() {
    for (OkHttpClient client : clients) {
      client.dispatcher().executorService().shutdown();
      client.connectionPool().evictAll();
    }
  }
}
