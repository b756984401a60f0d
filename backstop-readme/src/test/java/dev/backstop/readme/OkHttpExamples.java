package dev.backstop.readme;

import dev.backstop.Backstop;
import dev.backstop.okhttp.BackstopInterceptor;
import dev.backstop.okhttp.NotAllowedIOException;
import dev.backstop.okhttp.Operation;
import java.io.IOException;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/** The README's OkHttp section. */
final class OkHttpExamples {

  /** A client of the users service. */
  static final class UserClient {
    String fallback() {
      return "fallback";
    }

    // README: HTTP (OkHttp)
    private final Backstop backstop = Backstop.create();
    private final OkHttpClient client = new OkHttpClient.Builder()
        .addInterceptor(BackstopInterceptor.create(backstop))   // one breaker per scheme://host:port
        .build();

    String user(String id) throws IOException {                 // what execute() throws
      Request request = new Request.Builder()
          .url("https://api.example.com/users/" + id)
          .tag(Operation.class, Operation.of("users.get"))      // optional: name the breaker
          .build();
      try (Response response = client.newCall(request).execute()) {
        return response.body().string();
      } catch (NotAllowedIOException e) {                       // shed locally, nothing was sent
        return fallback();                                      // e.getCause(): NotAllowedException
      }
    }
  }

  static BackstopInterceptor configured(Backstop backstop) {
    // README: HTTP (OkHttp), options
    BackstopInterceptor interceptor = BackstopInterceptor.builder()
        .backstop(backstop)
        .operation(request -> request.method() + " " + request.url().host())
        .failureWhen(BackstopInterceptor.DEFAULT_FAILURE.or(
            (response, error) -> response != null && response.code() == 429))
        .build();
    return interceptor;
  }

  private OkHttpExamples() {}
}
