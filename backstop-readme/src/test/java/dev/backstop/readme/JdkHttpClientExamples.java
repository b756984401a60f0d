package dev.backstop.readme;

import dev.backstop.Backstop;
import dev.backstop.NotAllowedException;
import dev.backstop.http.BackstopHttpClient;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.util.concurrent.CompletableFuture;

/** The README's JDK HttpClient section. */
final class JdkHttpClientExamples {

  static String fallback() {
    return "fallback";
  }

  /** HttpClient.send throws IOException and InterruptedException; so does this. */
  static CompletableFuture<String> fetch(HttpRequest request)
      throws IOException, InterruptedException {
    // README: HTTP (JDK HttpClient)
    HttpClient client = BackstopHttpClient.wrap(HttpClient.newHttpClient());  // one breaker per origin

    String body;
    try {
      body = client.send(request, BodyHandlers.ofString()).body();
    } catch (NotAllowedException e) {          // shed locally: the request was not sent
      body = fallback();
    }

    CompletableFuture<String> later = client.sendAsync(request, BodyHandlers.ofString())
        .thenApply(HttpResponse::body)
        .exceptionally(e -> fallback());       // a rejection fails the future, like an I/O error
    return later;
  }

  static HttpClient configured(Backstop backstop) {
    // README: HTTP (JDK HttpClient), options
    HttpClient client = BackstopHttpClient.builder(HttpClient.newHttpClient())
        .backstop(backstop)                                    // e.g. shared with a gRPC channel
        .operation(r -> r.method() + " " + r.uri().getPath())  // one breaker per endpoint
        .failureWhen(BackstopHttpClient.DEFAULT_FAILURE.or(
            (response, error) -> response != null && response.statusCode() == 502))
        .build();
    return client;
  }

  private JdkHttpClientExamples() {}
}
