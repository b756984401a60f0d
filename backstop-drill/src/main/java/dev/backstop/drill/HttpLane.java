package dev.backstop.drill;

import com.sun.net.httpserver.HttpServer;
import dev.backstop.Backstop;
import dev.backstop.NotAllowedException;
import dev.backstop.Snapshot;
import dev.backstop.http.BackstopHttpClient;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A JDK HttpServer on loopback port 0, and a JDK HttpClient wrapped in {@link BackstopHttpClient}:
 * one breaker for the server's origin.
 */
final class HttpLane implements Lane {

  private final Backstop backstop;
  private final HttpServer server;
  private final ExecutorService serverThreads;
  private final HttpClient client;
  private final HttpClient guarded;
  private final HttpRequest request;
  private final String origin;

  HttpLane(Backstop backstop, Health health) throws IOException {
    this.backstop = backstop;
    this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    this.serverThreads = Executors.newFixedThreadPool(4, Live.daemon("drill-http-server"));
    server.setExecutor(serverThreads);
    server.createContext(
        "/",
        exchange -> {
          try (exchange) {
            exchange.getRequestBody().readAllBytes();
            exchange.sendResponseHeaders(health.httpReceived() ? 200 : 503, -1);
          }
        });
    server.start();
    this.client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    this.guarded = BackstopHttpClient.builder(client).backstop(backstop).build();
    // The wrapper's default operation: the request's origin.
    this.origin = "http://127.0.0.1:" + server.getAddress().getPort();
    this.request =
        HttpRequest.newBuilder(URI.create(origin + "/call")).timeout(Duration.ofSeconds(5)).build();
  }

  @Override
  public String name() {
    return "HTTP";
  }

  @Override
  public void send(Consumer<Outcome> done) {
    guarded
        .sendAsync(request, HttpResponse.BodyHandlers.discarding())
        .whenComplete(
            (response, error) -> {
              Throwable cause =
                  error instanceof CompletionException && error.getCause() != null
                      ? error.getCause()
                      : error;
              if (cause instanceof NotAllowedException) {
                done.accept(Outcome.REJECTED);
              } else if (cause == null && response.statusCode() < 500) {
                done.accept(Outcome.OK);
              } else {
                done.accept(Outcome.FAILED);
              }
            });
  }

  /** Sends through the unwrapped client, so the breaker does not count the warm-up request. */
  @Override
  public void warmUp() throws IOException {
    try {
      client.send(request, HttpResponse.BodyHandlers.discarding());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("HTTP warm-up request interrupted", e);
    }
  }

  @Override
  public Snapshot snapshot() {
    return backstop.snapshot(origin);
  }

  @Override
  public void close() {
    server.stop(0);
    serverThreads.shutdownNow();
    try {
      serverThreads.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
