package dev.backstop.okhttp;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.HttpUrl;

/**
 * A real HTTP server on a loopback port chosen by the system, whose answer can be switched between
 * a status code and a redirect, and which can be stopped (connections refused) and restarted on
 * the same port. It counts the requests it receives.
 */
final class TestServer implements AutoCloseable {

  static {
    // Without TCP_NODELAY the JDK server's separate header and body writes meet the client's
    // delayed ACK, and every request on a kept-alive connection takes about 40 ms. Read once,
    // when the first server is created.
    System.setProperty("sun.net.httpserver.nodelay", "true");
  }

  private final AtomicInteger requests = new AtomicInteger();
  private final Semaphore hanging = new Semaphore(0);
  private volatile CountDownLatch release = new CountDownLatch(0);
  private volatile int status = 200;
  private volatile HttpUrl redirect;
  private int port;
  private HttpServer server;
  private ExecutorService executor;

  private TestServer() {}

  /** Starts a server answering 200 on a free loopback port. */
  static TestServer start() {
    TestServer s = new TestServer();
    s.bind(0);
    return s;
  }

  /** Answers every request with {@code status} and a short body. */
  TestServer status(int status) {
    this.status = status;
    this.redirect = null;
    return this;
  }

  /**
   * Makes every following request wait, inside the server, until {@link #release()}, then get
   * the status set before.
   */
  TestServer hang() {
    release = new CountDownLatch(1);
    return this;
  }

  /** Waits until {@code n} requests have reached a hanging server since it started. */
  void awaitHanging(int n) throws InterruptedException {
    if (!hanging.tryAcquire(n, 10, TimeUnit.SECONDS)) {
      throw new AssertionError(n + " requests did not reach the server within 10 s");
    }
  }

  /** Lets hanging requests finish, and later ones be answered at once. */
  void release() {
    release.countDown();
  }

  /** Answers every request with a 302 to {@code target}. */
  TestServer redirectTo(HttpUrl target) {
    this.redirect = target;
    return this;
  }

  /** The number of requests received so far. */
  int requests() {
    return requests.get();
  }

  HttpUrl url(String path) {
    return new HttpUrl.Builder().scheme("http").host("127.0.0.1").port(port()).encodedPath(path)
        .build();
  }

  /** The origin the interceptor derives by default for this server's URLs. */
  String origin() {
    return "http://127.0.0.1:" + port();
  }

  synchronized int port() {
    return port;
  }

  /** Stops listening: connections to the port are refused until {@link #restart()}. */
  synchronized void stop() {
    if (server != null) {
      server.stop(0);
      executor.shutdownNow();
      server = null;
    }
  }

  /** Listens again on the same port. */
  synchronized void restart() {
    bind(port);
  }

  @Override
  public synchronized void close() {
    release();
    stop();
  }

  private synchronized void bind(int onPort) {
    try {
      HttpServer s =
          HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), onPort), 1_000);
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

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      requests.incrementAndGet();
      exchange.getRequestBody().readAllBytes();
      CountDownLatch waitFor = release;
      if (waitFor.getCount() > 0) {
        hanging.release();
        try {
          if (!waitFor.await(30, TimeUnit.SECONDS)) {
            return;
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
      HttpUrl target = redirect;
      if (target != null) {
        exchange.getResponseHeaders().set("Location", target.toString());
        exchange.sendResponseHeaders(302, -1);
        return;
      }
      byte[] body = ("status " + status).getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(status, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }
}
