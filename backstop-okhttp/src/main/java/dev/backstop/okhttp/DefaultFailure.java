package dev.backstop.okhttp;

import java.io.IOException;
import java.util.function.BiPredicate;
import okhttp3.Response;

/** {@link BackstopInterceptor#DEFAULT_FAILURE}; an enum for a readable, serializable singleton. */
enum DefaultFailure implements BiPredicate<Response, IOException> {
  INSTANCE;

  @Override
  public boolean test(Response response, IOException error) {
    if (response == null) {
      return true;
    }
    int code = response.code();
    return code == 500 || code == 503 || code == 504;
  }

  @Override
  public String toString() {
    return "DEFAULT_FAILURE (status 500, 503, 504 or an IOException)";
  }
}
