package dev.backstop.drill;

import dev.backstop.Backstop;
import dev.backstop.NotAllowedException;
import dev.backstop.Snapshot;
import dev.backstop.http.BackstopHttpClient;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * A Jetty server on loopback port 0, and a JDK HttpClient (HTTP/1.1) wrapped in {@link
 * BackstopHttpClient}: one breaker for the server's origin. A request carries its number in the
 * {@code Drill-Id} header; the server marks it in its {@link Receipts}.
 */
final class HttpLane implements Lane {

  /*
   * Why Jetty. The JDK's HttpServer (backlog 0, a few threads) refused and reset connections at
   * a couple of thousand requests per second on two cores: the drill measured its own demo server
   * instead of the breaker. Jetty's connector keeps a real accept queue, and the handler is
   * non-blocking, so Jetty answers on its selector thread without a hand-off per request.
   *
   * The JDK client speaks HTTP/1.1 here, one request per connection at a time; its pool keeps
   * idle connections without limit. The warm-up opens as many connections as the rate is
   * expected to keep in flight, and the server keeps idle connections for the longest run, so
   * that no connection closes under a request during the run.
   */

  /** The request header that carries the request's number. */
  static final String ID = "Drill-Id";

  /** The response header the drill's server puts on the backend's failures, and nothing else. */
  static final String BACKEND = "Drill-Backend";

  /** Longer than the longest run: Jetty never closes a pooled connection during one. */
  private static final Duration IDLE = Duration.ofHours(2);

  private static final Duration TIMEOUT = Duration.ofSeconds(5);

  private final Backstop backstop;
  private final Server server;
  private final HttpClient client;
  private final HttpClient guarded;
  private final URI uri;
  private final String origin;

  HttpLane(Backstop backstop, Health health, Receipts receipts) throws IOException {
    this.backstop = backstop;
    QueuedThreadPool threads = new QueuedThreadPool(32, 4);
    threads.setName("drill-http-server");
    threads.setDaemon(true);
    this.server = new Server(threads);
    ServerConnector connector = new ServerConnector(server, 1, 1);
    connector.setHost(InetAddress.getLoopbackAddress().getHostAddress());
    connector.setPort(0);
    connector.setAcceptQueueSize(1024);
    connector.setIdleTimeout(IDLE.toMillis());
    server.addConnector(connector);
    server.setHandler(
        new Handler.Abstract.NonBlocking() {
          @Override
          public boolean handle(Request request, Response response, Callback callback) {
            receipts.mark(id(request.getHeaders().get(ID)));
            if (health.healthy()) {
              response.setStatus(200);
            } else {
              response.setStatus(503);
              response.getHeaders().put(BACKEND, "failing");
            }
            callback.succeeded();
            return true;
          }
        });
    try {
      server.start();
    } catch (Exception e) {
      throw new IOException("HTTP server did not start: " + e, e);
    }
    this.client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(TIMEOUT)
            .build();
    this.guarded = BackstopHttpClient.builder(client).backstop(backstop).build();
    // The wrapper's default operation: the request's origin.
    this.origin = "http://127.0.0.1:" + connector.getLocalPort();
    this.uri = URI.create(origin + "/call");
  }

  private static long id(String header) {
    try {
      return header == null ? -2 : Long.parseLong(header);
    } catch (NumberFormatException e) {
      return -2;
    }
  }

  @Override
  public String name() {
    return "HTTP";
  }

  @Override
  public String describe() {
    return "Jetty server, a JDK HttpClient over HTTP/1.1 through BackstopHttpClient";
  }

  private HttpRequest request(long id) {
    return HttpRequest.newBuilder(uri).header(ID, Long.toString(id)).timeout(TIMEOUT).build();
  }

  @Override
  public void send(long id, Consumer<Outcome> done) {
    guarded
        .sendAsync(request(id), HttpResponse.BodyHandlers.discarding())
        .whenComplete((response, error) -> done.accept(outcome(response, error)));
  }

  /** The cause of a request's end; see {@link Outcome}. */
  static Outcome outcome(HttpResponse<?> response, Throwable error) {
    if (error == null) {
      if (response.statusCode() == 200) {
        return Outcome.OK;
      }
      return response.statusCode() == 503 && response.headers().firstValue(BACKEND).isPresent()
          ? Outcome.BACKEND
          : Outcome.OTHER;
    }
    Throwable cause =
        error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    if (cause instanceof NotAllowedException) {
      return Outcome.REJECTED;
    }
    // BackstopHttpClient's rule: what is not an IOException is the client's doing.
    if (dev.backstop.Outcome.ignored(cause) || !(cause instanceof IOException)) {
      return Outcome.IGNORED;
    }
    if (cause instanceof HttpTimeoutException) {
      return Outcome.TIMEOUT;
    }
    for (Throwable c = cause; c != null; c = c.getCause()) {
      if (c instanceof ConnectException) {
        return Outcome.REFUSED;
      }
    }
    return Outcome.RESET;
  }

  /**
   * Sends through a wrapper of its own around the same client, so that connections open and the
   * guarded path is loaded and compiled while the run's breaker counts nothing.
   */
  @Override
  public void warmUp(int count, int concurrency) throws IOException {
    HttpClient warm = BackstopHttpClient.builder(client).backstop(Backstop.create()).build();
    Lane.warmUp(
        name(),
        count,
        concurrency,
        done ->
            warm
                .sendAsync(request(Receipts.WARM_UP), HttpResponse.BodyHandlers.discarding())
                .whenComplete((response, error) -> done.accept(
                    error != null || response.statusCode() == 200
                        ? error
                        : new IOException("status " + response.statusCode()))));
  }

  @Override
  public Snapshot snapshot() {
    return backstop.snapshot(origin);
  }

  @Override
  public void close() {
    try {
      server.stop();
    } catch (Exception e) {
      // Stopping a loopback server at the end of a run; nothing left to protect.
    }
  }
}
