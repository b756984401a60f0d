package dev.backstop.http;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.util.function.BiPredicate;

/** {@link BackstopHttpClient#DEFAULT_FAILURE}; an enum for a readable, serializable singleton. */
enum DefaultFailure implements BiPredicate<HttpResponse<?>, IOException> {
  INSTANCE;

  @Override
  public boolean test(HttpResponse<?> response, IOException error) {
    if (response == null) {
      return true;
    }
    int status = response.statusCode();
    return status == 500 || status == 503 || status == 504;
  }

  @Override
  public String toString() {
    return "DEFAULT_FAILURE (status 500, 503, 504 or an IOException)";
  }
}
