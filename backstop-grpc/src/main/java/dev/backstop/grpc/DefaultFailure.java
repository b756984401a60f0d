package dev.backstop.grpc;

import io.grpc.Metadata;
import io.grpc.Status;
import java.util.function.BiPredicate;

/**
 * {@link BackstopClientInterceptor#DEFAULT_FAILURE}; an enum for a readable, serializable
 * singleton.
 */
enum DefaultFailure implements BiPredicate<Status, Metadata> {
  INSTANCE;

  @Override
  public boolean test(Status status, Metadata trailers) {
    switch (status.getCode()) {
      case UNKNOWN:
      case DEADLINE_EXCEEDED:
      case INTERNAL:
      case UNAVAILABLE:
      case DATA_LOSS:
        return true;
      default:
        return false;
    }
  }

  @Override
  public String toString() {
    return "DEFAULT_FAILURE (code UNKNOWN, DEADLINE_EXCEEDED, INTERNAL, UNAVAILABLE or DATA_LOSS)";
  }
}
