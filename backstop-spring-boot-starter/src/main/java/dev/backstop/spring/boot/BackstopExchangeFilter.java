package dev.backstop.spring.boot;

import dev.backstop.Backstop;
import dev.backstop.NotAllowedException;
import dev.backstop.Outcome;
import dev.backstop.reactor.BackstopOperator;
import java.io.IOException;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.function.Function;
import java.util.function.Predicate;
import org.springframework.http.HttpStatusCode;
import org.springframework.web.reactive.function.client.ClientRequest;
import org.springframework.web.reactive.function.client.ClientResponse;
import org.springframework.web.reactive.function.client.ExchangeFilterFunction;
import org.springframework.web.reactive.function.client.ExchangeFunction;
import org.springframework.web.reactive.function.client.WebClientRequestException;
import org.springframework.web.reactive.function.client.WebClientResponseException;
import reactor.core.publisher.Mono;

/**
 * An {@link ExchangeFilterFunction} for {@code WebClient} that guards every exchange with the
 * circuit breaker of its operation, by default one per origin. It applies {@code
 * backstop-reactor}'s {@link BackstopOperator} to each exchange and follows the same rules as
 * {@link BackstopRequestInterceptor}, the guard of {@code RestClient}.
 *
 * <p>The auto-configuration adds it to every {@code WebClient.Builder} that Boot provides, and
 * names the operation of each WebClient-backed HTTP service group's requests after the group. To
 * use it on a client built by hand:
 *
 * <pre>{@code
 * WebClient client = WebClient.builder()
 *     .filter(BackstopExchangeFilter.create(backstop))
 *     .build();
 * }</pre>
 *
 * <ul>
 *   <li><b>Operation.</b> The request attribute {@link BackstopRequestInterceptor#OPERATION} if it
 *       is set (a {@code String}), else the {@link Builder#operation operation} function's, by
 *       default the origin {@code scheme://host:port} as {@code BackstopRequestInterceptor} makes
 *       it. Name one call's operation with {@code
 *       .attribute(BackstopRequestInterceptor.OPERATION, "users.get")}.
 *   <li><b>Decision.</b> Each subscription to the exchange asks the breaker once, so a {@code
 *       retry} asks again.
 *   <li><b>Rejection.</b> A rejected request is not sent. It fails with the client's usual error
 *       for a request that could not be made, a {@link WebClientRequestException}, whose cause is
 *       the breaker's {@link NotAllowedException}.
 *   <li><b>Outcome.</b> A response counts as a failure if {@link Builder#failureWhen failureWhen}
 *       holds for its status (by default 500, 503 or 504), else as a success: a 4xx is the
 *       backend's answer. Either way the caller gets the response, its body untouched. An error
 *       from the rest of the chain counts as a failure if it is a {@link
 *       WebClientRequestException} (the connector's errors: connection refused, timeouts,
 *       resets) or an {@link IOException}, unless it is or was caused by an interrupt, a
 *       cancellation or another guard's rejection ({@link Outcome#of}); those, and any other
 *       error (the request failed on the client's side: a body that cannot be encoded, another
 *       filter's bug), are ignored. A {@link WebClientResponseException} from a filter further
 *       down (one that turns statuses into errors) counts by its status, as the response would
 *       have. A cancel before the response (a {@code dispose()}, a {@code timeout} applied to the
 *       call) is ignored. The status is judged when the response arrives; the body is read later,
 *       so an error while reading it is not counted.
 * </ul>
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class BackstopExchangeFilter implements ExchangeFilterFunction {

  /*
   * How it works. filter() names the operation and applies a BackstopOperator of it to the rest
   * of the chain with transformDeferred, so each subscription asks the breaker. The operator
   * counts a value as a success and classifies errors with Outcome.of; this filter's rules say
   * more (a response can be a failure, an error can be a success or ignored), so inside the
   * operator every error, and every response with a failing status, travels as a private error
   * that carries it: a Failure (a failing response, or an error that counts as a failure), an
   * Answer (an error that counts as a success) or an Ignored, a CancellationException, which
   * Outcome.of ignores. The operator's failureWhen holds for a Failure only; Outcome.of still
   * ignores a Failure caused by an interrupt, a cancel or another guard's rejection. After the
   * operator each carrier gives back what it carries: the response as a value, the error
   * unchanged. Since every error of the chain is carried, a bare NotAllowedException after the
   * operator can only be its own rejection, which becomes a WebClientRequestException. Carriers
   * have no stack trace, and a response inside one is handed back untouched, so its body is the
   * caller's to read or release as with any response.
   *
   * A failing response becomes an error without cancelling the exchange: Spring's Reactor Netty
   * connector releases the body of a response whose exchange is cancelled, and Reactor's
   * operators cancel their source when they turn a value into an error themselves (handle, a map
   * that throws, a flatMap onto Mono.error, which it calls at once as a scalar). A flatMap onto a
   * deferred error subscribes to it like any inner Mono and passes its error on, leaving the
   * source alone; BackstopExchangeFilterTest reads the bodies of failing responses to check it.
   */

  private static final Function<ClientRequest, String> ORIGIN =
      new Function<>() {
        @Override
        public String apply(ClientRequest request) {
          return BackstopRequestInterceptor.origin(request.url());
        }

        @Override
        public String toString() {
          return "origin";
        }
      };

  private static final Predicate<Throwable> FAILED =
      new Predicate<>() {
        @Override
        public boolean test(Throwable t) {
          return t instanceof Failure;
        }

        @Override
        public String toString() {
          return "as BackstopExchangeFilter classifies";
        }
      };

  private final Backstop backstop;
  private final Function<? super ClientRequest, String> operation;
  private final Predicate<? super HttpStatusCode> failureWhen;
  /** {@link #verdict}, made once rather than per exchange. */
  private final Function<Throwable, Throwable> verdict = this::verdict;
  /** A response as it travels through the operator: itself, or a Failure that carries it. */
  private final Function<ClientResponse, Mono<ClientResponse>> judged =
      response ->
          fails(response.statusCode())
              ? Mono.defer(() -> Mono.error(new Failure(response, null)))
              : Mono.just(response);

  private BackstopExchangeFilter(Builder builder) {
    this.backstop = builder.backstop != null ? builder.backstop : Backstop.create();
    this.operation = builder.operation;
    this.failureWhen = builder.failureWhen;
  }

  /** Returns a filter taking its breakers from {@code backstop}, one per origin. */
  public static BackstopExchangeFilter create(Backstop backstop) {
    return builder().backstop(backstop).build();
  }

  /** Returns a builder: a new {@code Backstop}, one breaker per origin, the default failures. */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public Mono<ClientResponse> filter(ClientRequest request, ExchangeFunction next) {
    BackstopOperator<ClientResponse> guard =
        BackstopOperator.builder(backstop, operationOf(request)).failureWhen(FAILED).build();
    return next.exchange(request)
        .onErrorMap(verdict)
        .flatMap(judged)
        .transformDeferred(guard)
        .onErrorResume(
            error ->
                error instanceof Failure failure && failure.response != null
                    ? Mono.just(failure.response)
                    : Mono.error(unwrapped(error, request)));
  }

  /** What an error of the rest of the chain counts as, carried through the operator. */
  private Throwable verdict(Throwable error) {
    if (error instanceof WebClientResponseException answered) {
      return fails(answered.getStatusCode()) ? new Failure(null, error) : new Answer(error);
    }
    if (error instanceof WebClientRequestException || error instanceof IOException) {
      // Outcome.of still ignores it if it was caused by an interrupt, a cancel or a rejection.
      return new Failure(null, error);
    }
    return new Ignored(error);
  }

  private boolean fails(HttpStatusCode status) {
    return Outcome.classify(failureWhen, status) == Outcome.FAILURE;
  }

  /**
   * Returns the error the caller sees: the one a verdict carries, or the operator's own rejection
   * as a {@link WebClientRequestException}.
   */
  private static Throwable unwrapped(Throwable error, ClientRequest request) {
    if (error instanceof Failure || error instanceof Answer || error instanceof Ignored) {
      return error.getCause();
    }
    if (error instanceof NotAllowedException rejected) {
      return new WebClientRequestException(
          rejected, request.method(), request.url(), request.headers());
    }
    return error;
  }

  private String operationOf(ClientRequest request) {
    return BackstopRequestInterceptor.operationOf(
        request, request.attributes(), operation, request.method(), request.url());
  }

  @Override
  public String toString() {
    return "BackstopExchangeFilter(operation="
        + operation
        + ", failureWhen="
        + failureWhen
        + ", "
        + backstop
        + ")";
  }

  /** A failure: a response with a failing status, or an error. */
  private static final class Failure extends RuntimeException {
    final transient ClientResponse response;

    Failure(ClientResponse response, Throwable error) {
      super(null, error, false, false);
      this.response = response;
    }
  }

  /** An error that counts as a success: the backend's answer, turned into an error below. */
  private static final class Answer extends RuntimeException {
    Answer(Throwable error) {
      super(null, error, false, false);
    }
  }

  /** An error that says nothing about the backend: a cancellation, so that Outcome.of ignores it. */
  private static final class Ignored extends CancellationException {
    Ignored(Throwable error) {
      initCause(error);
    }

    @Override
    public Throwable fillInStackTrace() {
      return this;
    }
  }

  /**
   * Configures a {@link BackstopExchangeFilter}. Each option is checked when it is set and {@link
   * #build()} does not change the builder. Not thread-safe.
   */
  public static final class Builder {
    private Backstop backstop;
    private Function<? super ClientRequest, String> operation = ORIGIN;
    private Predicate<? super HttpStatusCode> failureWhen =
        BackstopRequestInterceptor.DEFAULT_FAILURE;

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
     * The operation of a request without the {@link BackstopRequestInterceptor#OPERATION}
     * attribute: a function that must not return {@code null}. By default the origin, {@code
     * scheme://host:port}.
     */
    public Builder operation(Function<? super ClientRequest, String> operation) {
      this.operation = Objects.requireNonNull(operation, "operation");
      return this;
    }

    /**
     * Which response statuses count as failures of the backend; the others count as successes.
     * By default {@link BackstopRequestInterceptor#DEFAULT_FAILURE}: 500, 503 and 504. If the
     * predicate throws, the request counts as a failure and the caller still gets the response.
     */
    public Builder failureWhen(Predicate<? super HttpStatusCode> failureWhen) {
      this.failureWhen = Objects.requireNonNull(failureWhen, "failureWhen");
      return this;
    }

    /** Builds the filter. */
    public BackstopExchangeFilter build() {
      return new BackstopExchangeFilter(this);
    }
  }
}
