package dev.backstop.spring.boot;

import dev.backstop.Backstop;
import dev.backstop.CircuitBreaker;
import dev.backstop.NotAllowedException;
import dev.backstop.Origin;
import dev.backstop.Outcome;
import java.io.IOException;
import java.net.URI;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Predicate;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpRequest;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.client.ClientHttpRequestExecution;
import org.springframework.http.client.ClientHttpRequestInterceptor;
import org.springframework.http.client.ClientHttpResponse;
import org.springframework.web.client.ResourceAccessException;

/**
 * A {@link ClientHttpRequestInterceptor} for {@code RestClient} and {@code RestTemplate} that
 * guards every request with the circuit breaker of its operation, by default one per origin.
 *
 * <p>The auto-configuration adds it to every {@code RestClient.Builder} and {@code
 * RestTemplateBuilder} that Boot provides, and names the operation of each HTTP service group's
 * requests after the group. To use it on a client built by hand:
 *
 * <pre>{@code
 * RestClient client = RestClient.builder()
 *     .requestInterceptor(BackstopRequestInterceptor.create(backstop))
 *     .build();
 * }</pre>
 *
 * <ul>
 *   <li><b>Operation.</b> The request attribute {@link #OPERATION} if it is set (a {@code String}),
 *       else the {@link Builder#operation operation} function's, by default the origin {@code
 *       scheme://host:port}, in lower case with the scheme's default port filled in, so that paths
 *       carrying IDs cannot multiply breakers. Name one call's operation with {@code
 *       .attribute(BackstopRequestInterceptor.OPERATION, "users.get")}.
 *   <li><b>Rejection.</b> A rejected request is not sent. It fails with the client's usual error
 *       for a request that could not be made, a {@link ResourceAccessException}, whose cause is
 *       the breaker's {@link NotAllowedException}.
 *   <li><b>Outcome.</b> A response counts as a failure if {@link Builder#failureWhen failureWhen}
 *       holds for its status (by default 500, 503 or 504), else as a success: a 4xx is the
 *       backend's answer. An {@link IOException} from the rest of the chain (connection refused,
 *       timeouts, resets) counts as a failure, unless it is or was caused by an interrupt, a
 *       cancellation or another guard's rejection ({@link Outcome#of}); those, and any other
 *       exception (the request failed on the client's side), are ignored. The status is judged
 *       when the response arrives; the body is read later, so an error while reading it is not
 *       counted.
 * </ul>
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class BackstopRequestInterceptor implements ClientHttpRequestInterceptor {

  /**
   * The request attribute that names a request's operation, overriding the {@link
   * Builder#operation operation} function: {@value}.
   */
  public static final String OPERATION = "dev.backstop.operation";

  /** The default failure rule: status 500, 503 or 504. */
  public static final Predicate<HttpStatusCode> DEFAULT_FAILURE =
      new Predicate<>() {
        @Override
        public boolean test(HttpStatusCode status) {
          // A switch rather than a Set<Integer>: these codes are beyond the boxing cache.
          return switch (status.value()) {
            case 500, 503, 504 -> true;
            default -> false;
          };
        }

        @Override
        public String toString() {
          return "status in [500, 503, 504]";
        }
      };

  private static final Function<HttpRequest, String> ORIGIN =
      new Function<>() {
        @Override
        public String apply(HttpRequest request) {
          return origin(request.getURI());
        }

        @Override
        public String toString() {
          return "origin";
        }
      };

  /** I/O errors from the chain: every one is a failure, unless Outcome.of ignores it. */
  private static final Predicate<Throwable> EVERY = t -> true;

  private final Backstop backstop;
  private final Function<? super HttpRequest, String> operation;
  private final Predicate<? super HttpStatusCode> failureWhen;

  private BackstopRequestInterceptor(Builder builder) {
    this.backstop = builder.backstop != null ? builder.backstop : Backstop.create();
    this.operation = builder.operation;
    this.failureWhen = builder.failureWhen;
  }

  /** Returns an interceptor taking its breakers from {@code backstop}, one per origin. */
  public static BackstopRequestInterceptor create(Backstop backstop) {
    return builder().backstop(backstop).build();
  }

  /** Returns a builder: a new {@code Backstop}, one breaker per origin, the default failures. */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public ClientHttpResponse intercept(
      HttpRequest request, byte[] body, ClientHttpRequestExecution execution) throws IOException {
    CircuitBreaker breaker = backstop.breaker(operationOf(request));
    try {
      breaker.allow();
    } catch (NotAllowedException rejected) {
      breaker.markRejected();
      // Its constructors take an IOException cause only; the rejection is the cause here.
      ResourceAccessException e =
          new ResourceAccessException(
              request.getMethod().name()
                  + " request for \""
                  + withoutQuery(request.getURI())
                  + "\" not sent: "
                  + rejected.getMessage());
      e.initCause(rejected);
      throw e;
    }
    ClientHttpResponse response;
    try {
      response = execution.execute(request, body);
    } catch (IOException e) {
      Outcome.of(e, EVERY).record(breaker);
      throw e;
    } catch (RuntimeException | Error e) {
      // Not an I/O failure: the request failed on the client's side (a bug, another guard).
      breaker.markIgnored();
      throw e;
    }
    HttpStatusCode status;
    try {
      status = response.getStatusCode();
    } catch (IOException | RuntimeException e) {
      breaker.markFailed();
      response.close();
      throw e;
    }
    Outcome.classify(failureWhen, status).record(breaker);
    return response;
  }

  private String operationOf(HttpRequest request) {
    return operationOf(
        request, request.getAttributes(), operation, request.getMethod(), request.getURI());
  }

  /**
   * The operation of an HTTP request, for this interceptor and {@link BackstopExchangeFilter}
   * alike: its {@link #OPERATION} attribute if that is a {@code String}, else what {@code
   * operation} returns for it, which must not be {@code null}.
   */
  static <R> String operationOf(
      R request,
      Map<String, Object> attributes,
      Function<? super R, String> operation,
      HttpMethod method,
      URI uri) {
    if (attributes.get(OPERATION) instanceof String named) {
      return named;
    }
    String key = operation.apply(request);
    if (key == null) {
      throw new NullPointerException("operation returned null for " + method + " " + uri);
    }
    return key;
  }

  /**
   * The default operation: {@code scheme://host:port}, as {@link Origin#key} makes it (scheme and
   * host in lower case, the scheme's default port filled in, a recent origin's key reused). A URI
   * whose authority {@link URI} cannot split into host and port ({@code my_host:8080}) is keyed
   * by the whole authority.
   */
  static String origin(URI uri) {
    String host = uri.getHost() != null ? uri.getHost() : uri.getRawAuthority();
    return Origin.key(
        uri.getScheme() == null ? "" : uri.getScheme(), host == null ? "" : host, uri.getPort());
  }

  private static String withoutQuery(URI uri) {
    String s = uri.toString();
    int query = s.indexOf('?');
    return query < 0 ? s : s.substring(0, query);
  }

  @Override
  public String toString() {
    return "BackstopRequestInterceptor(operation="
        + operation
        + ", failureWhen="
        + failureWhen
        + ", "
        + backstop
        + ")";
  }

  /**
   * Configures a {@link BackstopRequestInterceptor}. Each option is checked when it is set and
   * {@link #build()} does not change the builder. Not thread-safe.
   */
  public static final class Builder {
    private Backstop backstop;
    private Function<? super HttpRequest, String> operation = ORIGIN;
    private Predicate<? super HttpStatusCode> failureWhen = DEFAULT_FAILURE;

    private Builder() {}

    /**
     * Where the breakers come from; by default each {@link #build()} creates a new {@link
     * Backstop#create() Backstop}. The auto-configuration passes the application's.
     */
    public Builder backstop(Backstop backstop) {
      this.backstop = Objects.requireNonNull(backstop, "backstop");
      return this;
    }

    /**
     * The operation of a request without the {@link #OPERATION} attribute: a function that must
     * not return {@code null}. By default the origin, {@code scheme://host:port}.
     */
    public Builder operation(Function<? super HttpRequest, String> operation) {
      this.operation = Objects.requireNonNull(operation, "operation");
      return this;
    }

    /**
     * Which response statuses count as failures of the backend; the others count as successes.
     * By default {@link #DEFAULT_FAILURE}: 500, 503 and 504. If the predicate throws, the request
     * counts as a failure and the caller still gets the response.
     */
    public Builder failureWhen(Predicate<? super HttpStatusCode> failureWhen) {
      this.failureWhen = Objects.requireNonNull(failureWhen, "failureWhen");
      return this;
    }

    /** Builds the interceptor. */
    public BackstopRequestInterceptor build() {
      return new BackstopRequestInterceptor(this);
    }
  }
}
