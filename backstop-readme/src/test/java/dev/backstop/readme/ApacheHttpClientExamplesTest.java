package dev.backstop.readme;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.backstop.Backstop;
import dev.backstop.httpclient5.BackstopExec;
import dev.backstop.httpclient5.NotAllowedIOException;
import dev.backstop.httpclient5.Operation;
import dev.backstop.testing.HttpBackend;
import dev.backstop.testing.RecordingBreaker;
import java.io.Closeable;
import java.io.IOException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.hc.client5.http.async.methods.SimpleHttpResponse;
import org.apache.hc.client5.http.async.methods.SimpleRequestBuilder;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.protocol.HttpClientContext;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.junit.jupiter.api.Test;

/** The README's Apache HttpClient 5 section, and its example run against a real server. */
class ApacheHttpClientExamplesTest {

  /** What the example takes from its surroundings, set before its fields are. */
  abstract static class Service {
    final Backstop backstop;
    final String baseUrl;

    Service(Backstop backstop, String baseUrl) {
      this.backstop = backstop;
      this.baseUrl = baseUrl;
    }
  }

  static final class UserClient extends Service implements Closeable {
    UserClient(Backstop backstop, String baseUrl) {
      super(backstop, baseUrl);
    }

    // README: HTTP (Apache HttpClient 5)
    private final CloseableHttpClient client = BackstopExec.create(backstop)
        .classicClientBuilder()       // HttpClients.custom() with the handler before RETRY: one decision
        .build();                     // per request, retries inside (asyncClientBuilder() for async)

    String user(String id) throws IOException {                       // what execute() throws
      HttpClientContext context = HttpClientContext.create();
      context.setAttribute(Operation.ATTRIBUTE, Operation.of("users.get"));   // optional: name the breaker
      try {
        HttpGet get = new HttpGet(baseUrl + "/users/" + id);
        return client.execute(get, context, r -> EntityUtils.toString(r.getEntity()));
      } catch (NotAllowedIOException e) {                             // shed locally, nothing was sent
        return "fallback";                                            // e.getCause(): the NotAllowedException
      }
    }

    @Override
    public void close() throws IOException {
      client.close();
    }
  }

  static BackstopExec configured(Backstop backstop) {
    // README: HTTP (Apache HttpClient 5), options
    BackstopExec exec = BackstopExec.builder()
        .backstop(backstop)
        .operation(request -> request.getMethod() + " " + request.getPath())   // one breaker per endpoint
        .failureWhen(BackstopExec.DEFAULT_FAILURE.or(
            (response, error) -> response != null && response.getCode() == 502))
        .build();
    return exec;
  }

  @Test
  void theExampleAnswersThenFallsBackOnceTheBreakerSheds() throws Exception {
    Backstop shedding =
        Backstop.builder().breakers(op -> new RecordingBreaker(op).rejectAll()).build();
    try (HttpBackend backend = HttpBackend.start()) {
      try (UserClient users = new UserClient(Backstop.create(), backend.origin())) {
        assertThat(users.user("1")).isEqualTo("status 200");
      }
      try (UserClient users = new UserClient(shedding, backend.origin())) {
        assertThat(users.user("1")).isEqualTo("fallback");
      }
      assertThat(backend.requests()).isEqualTo(1);
    }
  }

  @Test
  void theAsyncClientTakesTheSameLine() throws Exception {
    Backstop shedding =
        Backstop.builder().breakers(op -> new RecordingBreaker(op).rejectAll()).build();
    try (HttpBackend backend = HttpBackend.start();
        CloseableHttpAsyncClient healthy = asyncClient(Backstop.create());
        CloseableHttpAsyncClient shed = asyncClient(shedding)) {
      SimpleHttpResponse response =
          healthy.execute(SimpleRequestBuilder.get(backend.uri("/users/2")).build(), null)
              .get(10, TimeUnit.SECONDS);
      assertThat(response.getBodyText()).isEqualTo("status 200");
      assertThatThrownBy(
              () ->
                  shed.execute(SimpleRequestBuilder.get(backend.uri("/users/2")).build(), null)
                      .get(10, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .hasCauseInstanceOf(NotAllowedIOException.class);
      assertThat(backend.requests()).isEqualTo(1);
    }
  }

  /** The README's "asyncClientBuilder() for async". */
  private static CloseableHttpAsyncClient asyncClient(Backstop backstop) {
    CloseableHttpAsyncClient client =
        BackstopExec.create(backstop).asyncClientBuilder().build();
    client.start();
    return client;
  }
}
