package dev.backstop.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real JDK HTTP server on 127.0.0.1 whose answer the test switches, counting the requests that
 * reach it. Stopping it frees the port (connection refused); {@link #restart()} binds the same
 * port again, so the origin, and therefore the breaker, stays the same.
 */
final class TestServer implements AutoCloseable {

  static {
    // The server writes the headers and the body separately; with Nagle's algorithm on, the body
    // waits for the client's delayed ACK of the headers, about 40 ms per request.
    System.setProperty("sun.net.httpserver.nodelay", "true");
  }

  /** The status a {@link #hang()} request waits with; any status, the test only releases it. */
  private static final int HANG = -1;

  /** The status of {@link #trickle()}: answer 200 and send the body a byte at a time, forever. */
  private static final int TRICKLE = -2;

  private final AtomicInteger requests = new AtomicInteger();
  private final int port;
  private volatile int status = 200;
  private volatile CountDownLatch entered = new CountDownLatch(1);
  private volatile CountDownLatch release = new CountDownLatch(0);
  private volatile int released = 200;
  private final Semaphore hanging = new Semaphore(0);
  private final CountDownLatch closedByClient = new CountDownLatch(1);
  private HttpServer server;
  private ExecutorService executor;

  private TestServer(int port) throws IOException {
    bind(port);
    this.port = server.getAddress().getPort();
  }

  /** Starts a healthy server on a free port. */
  static TestServer start() throws IOException {
    return new TestServer(0);
  }

  /** Makes every following request get {@code status}. */
  void status(int status) {
    this.status = status;
  }

  /**
   * Makes the following requests wait, inside the server, until {@link #release()}, then get 200.
   * {@link #awaitEntered()} waits until one has arrived.
   */
  void hang() {
    entered = new CountDownLatch(1);
    release = new CountDownLatch(1);
    status = HANG;
  }

  /** Waits until a request has reached a hanging server. */
  void awaitEntered() throws InterruptedException {
    if (!entered.await(10, TimeUnit.SECONDS)) {
      throw new AssertionError("no request reached the server within 10 s");
    }
  }

  /** Waits until {@code n} requests have reached a hanging server since it started. */
  void awaitHanging(int n) throws InterruptedException {
    if (!hanging.tryAcquire(n, 10, TimeUnit.SECONDS)) {
      throw new AssertionError(n + " requests did not reach the server within 10 s");
    }
  }

  /** Lets hanging requests finish with 200, and later ones get 200 at once. */
  void release() {
    release(200);
  }

  /** Lets hanging requests finish with {@code code}, and later ones get {@code code} at once. */
  void release(int code) {
    released = code;
    status = code;
    release.countDown();
  }

  /**
   * Makes the following requests get 200 and a body that never ends: a byte every 10 ms, until
   * the client closes the connection, which {@link #awaitClosedByClient()} sees.
   */
  void trickle() {
    entered = new CountDownLatch(1);
    status = TRICKLE;
  }

  /** Waits until the client closed a connection that {@link #trickle()} was writing to. */
  void awaitClosedByClient() throws InterruptedException {
    if (!closedByClient.await(10, TimeUnit.SECONDS)) {
      throw new AssertionError("the client did not close the connection within 10 s");
    }
  }

  /** Returns how many requests have reached the server so far. */
  int requests() {
    return requests.get();
  }

  /** Returns a URI on this server. */
  URI uri(String path) {
    return URI.create("http://127.0.0.1:" + port + path);
  }

  /** Returns the default operation key of this server's requests. */
  String origin() {
    return "http://127.0.0.1:" + port;
  }

  /** Stops the server: its port refuses connections until {@link #restart()}. */
  void stop() {
    server.stop(0);
    executor.shutdownNow();
  }

  /** Starts the server again on the same port. */
  void restart() throws IOException {
    bind(port);
  }

  @Override
  public void close() {
    release.countDown();
    stop();
  }

  private void bind(int port) throws IOException {
    // A backlog for a thousand connections at once, so that none waits for a SYN to be resent.
    InetSocketAddress address = new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port);
    server = HttpServer.create(address, 1_000);
    executor = Executors.newCachedThreadPool();
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
  }

  private void trickle(HttpExchange exchange) throws IOException {
    exchange.sendResponseHeaders(200, 0); // chunked
    OutputStream out = exchange.getResponseBody();
    entered.countDown();
    try {
      while (true) {
        out.write('.');
        out.flush();
        TimeUnit.MILLISECONDS.sleep(10); // pacing, not waiting for anything
      }
    } catch (IOException closed) {
      closedByClient.countDown();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange; InputStream in = exchange.getRequestBody()) {
      in.readAllBytes();
      requests.incrementAndGet();
      int code = status;
      if (code == TRICKLE) {
        trickle(exchange);
        return;
      }
      if (code == HANG) {
        CountDownLatch waitFor = release;
        entered.countDown();
        hanging.release();
        try {
          if (!waitFor.await(30, TimeUnit.SECONDS)) {
            throw new UncheckedIOException(new IOException("never released"));
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
        code = released;
      }
      byte[] body = ("status " + code).getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(code, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }
}
