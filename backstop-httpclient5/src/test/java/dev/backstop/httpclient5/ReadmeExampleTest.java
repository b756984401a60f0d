package dev.backstop.httpclient5;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backstop.Backstop;
import dev.backstop.testing.HttpBackend;
import dev.backstop.testing.RecordingBreaker;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.apache.hc.client5.http.async.methods.SimpleHttpResponse;
import org.apache.hc.client5.http.async.methods.SimpleRequestBuilder;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.impl.ChainElement;
import org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient;
import org.apache.hc.client5.http.impl.async.HttpAsyncClients;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.protocol.HttpClientContext;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.junit.jupiter.api.Test;

/** The README's examples, as written there, against a real backend. */
class ReadmeExampleTest {

  /** The README's classic example. */
  static String user(Backstop backstop, String baseUrl, String id) throws IOException {
    try (CloseableHttpClient client =
        HttpClients.custom()
            .addExecInterceptorBefore(   // one decision per request, the client's retries inside
                ChainElement.RETRY.name(), BackstopExec.NAME, BackstopExec.create(backstop))
            .build()) {
      HttpClientContext context = HttpClientContext.create();
      context.setAttribute(Operation.ATTRIBUTE, Operation.of("users.get")); // optional
      try {
        HttpGet get = new HttpGet(baseUrl + "/users/" + id);
        return client.execute(get, context, r -> EntityUtils.toString(r.getEntity()));
      } catch (NotAllowedIOException e) {       // shed locally, nothing was sent
        return "fallback";                      // e.getCause(): the NotAllowedException
      }
    }
  }

  /** The README's async client, built the same way. */
  static CloseableHttpAsyncClient asyncClient(Backstop backstop) {
    CloseableHttpAsyncClient client =
        HttpAsyncClients.custom()
            .addExecInterceptorBefore(
                ChainElement.RETRY.name(), BackstopExec.NAME, BackstopExec.create(backstop))
            .build();
    client.start();
    return client;
  }

  @Test
  void theExamplesAnswerThenFallBackOnceTheBreakerSheds() throws Exception {
    Backstop shedding =
        Backstop.builder().breakers(op -> new RecordingBreaker(op).rejectAll()).build();
    try (HttpBackend backend = HttpBackend.start()) {
      assertThat(user(Backstop.create(), backend.origin(), "1")).isEqualTo("status 200");
      assertThat(user(shedding, backend.origin(), "1")).isEqualTo("fallback");
      try (CloseableHttpAsyncClient client = asyncClient(Backstop.create())) {
        SimpleHttpResponse response =
            client.execute(SimpleRequestBuilder.get(backend.uri("/users/2")).build(), null)
                .get(10, TimeUnit.SECONDS);
        assertThat(response.getBodyText()).isEqualTo("status 200");
      }
      assertThat(backend.requests()).isEqualTo(2);
    }
  }
}
