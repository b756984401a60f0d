package dev.backstop.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A real HTTP backend for integration tests: a JDK {@code HttpServer} on a loopback port chosen by
 * the system, which fails on command and counts the requests that reach it, so a test can prove
 * that a request rejected locally never arrived. Stopping it frees the port (connections are
 * refused) and {@link #restart()} binds the same port again, so the origin, and therefore the
 * breaker, stays the same. Thread-safe.
 *
 * <p>Modules whose tests use it run with {@code --add-modules jdk.httpserver}.
 */
public final class HttpBackend implements AutoCloseable {

  static {
    // The server writes the headers and the body separately; with Nagle's algorithm on, the body
    // waits for the client's delayed ACK of the headers, about 40 ms per request. Read once, when
    // the first server is created.
    System.setProperty("sun.net.httpserver.nodelay", "true");
  }

  /** What the backend does with the requests it receives. */
  private enum Mode {
    /** Answers with the status at once. */
    STATUS,
    /** Sends nothing until released, then answers 200. */
    HANG,
    /** Sends the headers (200, chunked) and a first line, then the last line once released. */
    TRICKLE,
    /** Sends the headers (200, chunked) and a first line, then drops the connection. */
    BREAK
  }

  private final Object lock = new Object();
  private int port;
  private HttpServer server; // guarded by lock
  private ExecutorService executor; // guarded by lock
  private int requests; // guarded by lock
  private volatile Mode mode = Mode.STATUS;
  private volatile int status = 200;
  private volatile CountDownLatch release = new CountDownLatch(0);

  private HttpBackend() {}

  /** Starts a healthy backend (every request answered 200) on a free loopback port. */
  public static HttpBackend start() {
    HttpBackend backend = new HttpBackend();
    backend.bind(0);
    return backend;
  }

  /** Answers every following request with {@code status} and the body {@code "status N"}. */
  public HttpBackend status(int status) {
    this.status = status;
    this.mode = Mode.STATUS;
    return this;
  }

  /** Holds every following request, sending nothing, until {@link #release()}; then 200. */
  public HttpBackend hang() {
    release = new CountDownLatch(1);
    mode = Mode.HANG;
    return this;
  }

  /**
   * Answers every following request with 200 and a chunked body whose first line, {@code
   * "first\n"}, is sent at once and whose last line, {@code "last\n"}, is sent on {@link
   * #release()}.
   */
  public HttpBackend trickle() {
    release = new CountDownLatch(1);
    mode = Mode.TRICKLE;
    return this;
  }

  /**
   * Answers every following request with 200 and the first line {@code "first\n"} of a chunked
   * body, then drops the connection before the body ends.
   */
  public HttpBackend breakAfterFirstLine() {
    mode = Mode.BREAK;
    return this;
  }

  /** Lets held requests go on; requests after this one are answered 200 at once. */
  public HttpBackend release() {
    mode = Mode.STATUS;
    status = 200;
    release.countDown();
    return this;
  }

  /** Returns the number of requests that reached the backend so far. */
  public int requests() {
    synchronized (lock) {
      return requests;
    }
  }

  /**
   * Waits until {@code n} requests in all have reached the backend.
   *
   * @throws AssertionError if they have not within {@code timeout}
   */
  public void awaitRequests(int n, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (lock) {
      while (requests < n) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new AssertionError("expected " + n + " requests, the backend saw " + requests);
        }
        TimeUnit.NANOSECONDS.timedWait(lock, left);
      }
    }
  }

  /** Returns {@code http://127.0.0.1:PORT} followed by {@code path}. */
  public URI uri(String path) {
    return URI.create(origin() + path);
  }

  /** Returns the origin of the backend, {@code http://127.0.0.1:PORT}. */
  public String origin() {
    return "http://127.0.0.1:" + port();
  }

  /** Returns the port, the same across {@link #stop()} and {@link #restart()}. */
  public int port() {
    synchronized (lock) {
      return port;
    }
  }

  /** Stops listening: connections are refused until {@link #restart()}. Releases held requests. */
  public void stop() {
    synchronized (lock) {
      if (server != null) {
        release.countDown();
        server.stop(0);
        executor.shutdownNow();
        server = null;
      }
    }
  }

  /** Listens again on the same port, healthy. */
  public void restart() {
    status(200);
    bind(port());
  }

  @Override
  public void close() {
    stop();
  }

  private void bind(int onPort) {
    synchronized (lock) {
      try {
        HttpServer s =
            HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), onPort), 0);
        executor = Executors.newCachedThreadPool();
        s.setExecutor(executor);
        s.createContext("/", this::handle);
        s.start();
        server = s;
        port = s.getAddress().getPort();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  private void handle(HttpExchange exchange) throws IOException {
    synchronized (lock) {
      requests++;
      lock.notifyAll();
    }
    exchange.getRequestBody().readAllBytes();
    Mode m = mode;
    CountDownLatch held = release;
    switch (m) {
      case STATUS -> answer(exchange, status);
      case HANG -> {
        await(held);
        answer(exchange, 200);
      }
      case TRICKLE -> {
        exchange.sendResponseHeaders(200, 0);
        OutputStream out = exchange.getResponseBody();
        out.write("first\n".getBytes(StandardCharsets.UTF_8));
        out.flush();
        await(held);
        out.write("last\n".getBytes(StandardCharsets.UTF_8));
        out.close();
        exchange.close();
      }
      case BREAK -> {
        exchange.sendResponseHeaders(200, 0);
        OutputStream out = exchange.getResponseBody();
        out.write("first\n".getBytes(StandardCharsets.UTF_8));
        out.flush();
        // An exception from the handler makes the server close the connection mid-body.
        throw new IOException("backend dropped the connection");
      }
    }
  }

  private static void answer(HttpExchange exchange, int status) throws IOException {
    try (exchange) {
      byte[] body = ("status " + status).getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(status, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }

  private static void await(CountDownLatch held) {
    try {
      held.await(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public String toString() {
    return "HttpBackend(" + origin() + ", " + mode + ", status " + status + ")";
  }
}
