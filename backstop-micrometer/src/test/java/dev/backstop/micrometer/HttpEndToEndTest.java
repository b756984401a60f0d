package dev.backstop.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.backstop.Backstop;
import dev.backstop.NotAllowedException;
import dev.backstop.SreBreaker;
import dev.backstop.testing.FakeTicker;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A real JDK {@code HttpServer} on loopback, a real {@code HttpClient}, calls guarded by {@link
 * Backstop#call}: the meters follow what the server actually saw.
 */
class HttpEndToEndTest {

  private final AtomicInteger okHits = new AtomicInteger();
  private final AtomicInteger failHits = new AtomicInteger();
  private final FakeTicker ticker = new FakeTicker();
  private HttpServer server;
  private HttpClient client;
  private URI base;

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/ok", exchange -> respond(exchange, 200, okHits));
    server.createContext("/fail", exchange -> respond(exchange, 503, failHits));
    server.start();
    base = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private static void respond(
      com.sun.net.httpserver.HttpExchange exchange, int status, AtomicInteger hits)
      throws IOException {
    hits.incrementAndGet();
    byte[] body = ("status " + status).getBytes(StandardCharsets.UTF_8);
    exchange.sendResponseHeaders(status, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  private String get(Backstop backstop, String path) throws Exception {
    return backstop.call(
        "GET " + path,
        () -> {
          HttpResponse<String> response =
              client.send(
                  HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(5)).build(),
                  HttpResponse.BodyHandlers.ofString());
          if (response.statusCode() >= 500) {
            throw new IOException("HTTP " + response.statusCode());
          }
          return response.body();
        });
  }

  @Test
  void metersFollowAFailingServer() throws Exception {
    BackstopMetrics metrics = BackstopMetrics.create();
    Backstop backstop =
        Backstop.builder()
            .breakers(op -> SreBreaker.original().request(10).ticker(ticker).name(op).build())
            .listener(metrics)
            .ticker(ticker)
            .build();
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    metrics.monitor(backstop).bindTo(registry);

    for (int i = 0; i < 5; i++) {
      assertThat(get(backstop, "/ok")).isEqualTo("status 200");
    }
    int failed = 0;
    int rejected = 0;
    for (int i = 0; i < 40; i++) {
      try {
        get(backstop, "/fail");
      } catch (IOException e) {
        failed++;
      } catch (NotAllowedException e) {
        rejected++;
      }
    }

    assertThat(failed).isEqualTo(failHits.get()).isGreaterThanOrEqualTo(10);
    assertThat(rejected).isEqualTo(40 - failed).isPositive();
    assertThat(count(registry, "GET /fail", "failure")).isEqualTo(failHits.get());
    assertThat(count(registry, "GET /fail", "rejected")).isEqualTo(rejected);
    assertThat(count(registry, "GET /fail", "success")).isZero();
    assertThat(registry.get(BackstopMetrics.ALLOWED).tag("operation", "GET /fail")
        .functionCounter().count()).isEqualTo(failHits.get());
    assertThat(count(registry, "GET /ok", "success")).isEqualTo(okHits.get()).isEqualTo(5);

    double probability =
        registry.get(BackstopMetrics.PROBABILITY).tag("operation", "GET /fail").gauge().value();
    assertThat(probability)
        .isEqualTo(backstop.snapshot("GET /fail").probability())
        .isGreaterThan(0.9);
    assertThat(registry.get(BackstopMetrics.STATE).tag("operation", "GET /fail").gauge().value())
        .isEqualTo(1);
    assertThat(registry.get(BackstopMetrics.STATE).tag("operation", "GET /ok").gauge().value())
        .isEqualTo(0);
    assertThat(registry.get(BackstopMetrics.OPERATIONS).gauge().value()).isEqualTo(2);
  }

  private static long count(SimpleMeterRegistry registry, String op, String outcome) {
    return (long)
        registry
            .get(BackstopMetrics.CALLS)
            .tags("operation", op, "outcome", outcome)
            .functionCounter()
            .count();
  }
}
