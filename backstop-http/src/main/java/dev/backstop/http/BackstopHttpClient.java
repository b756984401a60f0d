package dev.backstop.http;

import dev.backstop.Backstop;
import dev.backstop.CircuitBreaker;
import dev.backstop.NotAllowedException;
import dev.backstop.Origin;
import dev.backstop.Outcome;
import java.io.IOException;
import java.net.Authenticator;
import java.net.ConnectException;
import java.net.CookieHandler;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandler;
import java.net.http.HttpResponse.PushPromiseHandler;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.function.BiPredicate;
import java.util.function.Function;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/**
 * An {@link HttpClient} that guards every request of a wrapped client with a circuit breaker.
 *
 * <pre>{@code
 * HttpClient client = BackstopHttpClient.wrap(HttpClient.newHttpClient());
 * try {
 *   HttpResponse<String> response = client.send(request, BodyHandlers.ofString());
 * } catch (NotAllowedException e) {       // shed locally: the request was not sent
 *   return fallback();
 * }
 * }</pre>
 *
 * <p><b>Requests.</b> {@link #send send} and both {@link #sendAsync sendAsync} methods first ask
 * the breaker of the request's operation (see {@link Builder#operation(Function)}). If it rejects
 * the request, the request is not sent, the rejection is recorded with {@link
 * CircuitBreaker#markRejected()}, and the breaker's {@link NotAllowedException} is thrown by
 * {@code send} or completes the future returned by {@code sendAsync} (which then does not throw).
 * Otherwise the request goes to the wrapped client and its outcome is recorded exactly once, when
 * the response or the error arrives, following the outcome model of {@link CircuitBreaker}.
 * Responses and exceptions reach the caller unchanged.
 *
 * <p><b>Outcome.</b> A response is a failure if {@link Builder#failureWhen(BiPredicate)
 * failureWhen} holds for it, else a success; so is an {@link IOException} (refused, reset, timed
 * out). What the client did says nothing about the backend and is recorded as ignored: an
 * interrupted {@code send}, a cancelled {@code sendAsync} (see below), another guard's rejection
 * (a wrapped {@code BackstopHttpClient}'s {@link NotAllowedException}), an error after this client
 * was shut down (Java 21 and later), and every exception that is not an {@code IOException}: the
 * client's own, such as an invalid request or a body handler that throws. {@code send} and {@code
 * sendAsync} classify alike: the JDK's {@code send} wraps the error its {@code sendAsync} fails
 * with in a plain {@code IOException}, which {@code send} looks through.
 *
 * <p><b>Cancelling.</b> {@code cancel(true)} on the future {@code sendAsync} returns, or on any
 * future derived from it ({@code thenApply}, {@code thenCompose}, ...), aborts the exchange and
 * records the call as ignored, as the JDK's own client does since Java 16. {@code cancel(false)}
 * does not abort the JDK's exchange: it completes the caller's future only, and the exchange's
 * own outcome is recorded when it arrives, as for a caller-side {@link CompletableFuture#orTimeout
 * orTimeout}. For time limits that count as failures, use {@link
 * HttpRequest.Builder#timeout(Duration)} or {@link HttpClient.Builder#connectTimeout}: their {@link
 * java.net.http.HttpTimeoutException} is an {@link IOException}.
 *
 * <p><b>Everything else delegates.</b> The configuration getters, {@link #newWebSocketBuilder()}
 * and, on Java 21 and later, {@code shutdown}, {@code shutdownNow}, {@code awaitTermination},
 * {@code isTerminated} and {@code close} call the wrapped client. WebSocket connections and server
 * push promises are not guarded and not recorded: only the requests given to {@code send} and
 * {@code sendAsync} are.
 *
 * <p>Instances are thread-safe.
 */
public final class BackstopHttpClient extends HttpClient {

  /*
   * How it works.
   *
   * A request goes: operation key (caller's thread) -> Backstop.breaker(key), a lock-free lookup
   * for a known key -> allow(). send records the outcome on the caller's thread after the wrapped
   * send returns or throws. sendAsync hands the wrapped client's future to a Pending, a
   * CompletableFuture subclass that is returned to the caller: when the wrapped future completes
   * it records the outcome and then completes itself with the same response or (unwrapped)
   * exception, so the caller's dependent stages run after the breaker has learnt the outcome.
   * Pending records at most once: the wrapped future's completion and an abort (cancel(true) of
   * Pending or of a stage derived from it, which Pending makes as Pending.Derived) race for one
   * flag, and only the winner records. Both paths classify with classify(), which applies
   * Outcome.of(response, error, failureWhen), the one rule of core for I/O clients.
   *
   * Java 21 added shutdown, shutdownNow, awaitTermination, isTerminated and close to HttpClient
   * (which became AutoCloseable). This class is compiled for Java 17, so it cannot name them on
   * the wrapped client. It declares them with Java 21's signatures, so that on Java 21 and later
   * they override HttpClient's defaults (which would do nothing: closing the wrapper would not
   * close the wrapped client), and calls the wrapped client's through method handles that
   * Lifecycle resolves once from HttpClient's public API. On Java 17 to 20 the handles are absent
   * and the methods do what Java 21's defaults do. No access checks are bypassed.
   */

  /**
   * The default {@link Builder#failureWhen(BiPredicate) failureWhen}: a response with status 500,
   * 503 or 504, or any {@link IOException} (connection refused, {@link
   * java.net.http.HttpTimeoutException timeouts}, resets, TLS failures) is a failure; every other
   * response is not. Combine it with {@link BiPredicate#or} to add to it.
   */
  public static final BiPredicate<HttpResponse<?>, IOException> DEFAULT_FAILURE =
      DefaultFailure.INSTANCE;

  private final HttpClient delegate;
  private final Backstop backstop;
  private final Function<? super HttpRequest, String> operation;
  private final BiPredicate<? super HttpResponse<?>, ? super IOException> failureWhen;
  /** Set once shutdown, shutdownNow or close was called: later errors are the client's doing. */
  private volatile boolean shutDown;

  private BackstopHttpClient(Builder builder) {
    this.delegate = builder.client;
    this.backstop = builder.backstop != null ? builder.backstop : Backstop.create();
    this.operation = builder.operation;
    this.failureWhen = builder.failureWhen;
  }

  /**
   * Returns {@code client} guarded by a new {@link Backstop#create() Backstop} with one breaker
   * per origin and the {@link #DEFAULT_FAILURE default failures}. Equivalent to {@code
   * builder(client).build()}.
   */
  public static BackstopHttpClient wrap(HttpClient client) {
    return builder(client).build();
  }

  /** Returns a builder for a client that guards {@code client}. */
  public static Builder builder(HttpClient client) {
    return new Builder(Objects.requireNonNull(client, "client"));
  }

  /** Returns the {@link Backstop} whose breakers guard this client, for example for snapshots. */
  public Backstop backstop() {
    return backstop;
  }

  /**
   * Sends {@code request} through the wrapped client if the breaker of its operation allows it,
   * and records the outcome.
   *
   * @throws NotAllowedException if the breaker rejects the request, which is then not sent
   * @throws IOException if the wrapped client throws it
   * @throws InterruptedException if the wrapped client throws it
   */
  @Override
  public <T> HttpResponse<T> send(HttpRequest request, BodyHandler<T> responseBodyHandler)
      throws IOException, InterruptedException {
    Objects.requireNonNull(responseBodyHandler, "responseBodyHandler");
    CircuitBreaker breaker = breaker(request);
    NotAllowedException rejected = allow(breaker);
    if (rejected != null) {
      throw rejected;
    }
    HttpResponse<T> response;
    try {
      response = delegate.send(request, responseBodyHandler);
    } catch (Throwable t) {
      classify(null, sendAsyncError(t)).record(breaker);
      throw t;
    }
    classify(response, null).record(breaker);
    return response;
  }

  /**
   * Sends {@code request} asynchronously through the wrapped client if the breaker of its
   * operation allows it; the outcome is recorded before the returned future completes. If the
   * breaker rejects the request, the returned future is already completed exceptionally with its
   * {@link NotAllowedException}.
   */
  @Override
  public <T> CompletableFuture<HttpResponse<T>> sendAsync(
      HttpRequest request, BodyHandler<T> responseBodyHandler) {
    Objects.requireNonNull(responseBodyHandler, "responseBodyHandler");
    return guarded(request, () -> delegate.sendAsync(request, responseBodyHandler));
  }

  /**
   * Like {@link #sendAsync(HttpRequest, BodyHandler)}, with a handler for server push promises
   * ({@code null} for none). Pushed responses are handed to {@code pushPromiseHandler} unchanged
   * and are not recorded: only the request that was sent is.
   */
  @Override
  public <T> CompletableFuture<HttpResponse<T>> sendAsync(
      HttpRequest request,
      BodyHandler<T> responseBodyHandler,
      PushPromiseHandler<T> pushPromiseHandler) {
    Objects.requireNonNull(responseBodyHandler, "responseBodyHandler");
    return guarded(
        request, () -> delegate.sendAsync(request, responseBodyHandler, pushPromiseHandler));
  }

  /**
   * The asynchronous path of both {@code sendAsync}s: asks the request's breaker, and if it
   * allows, starts {@code send} and records the outcome once, before the returned future completes.
   */
  private <T> CompletableFuture<HttpResponse<T>> guarded(
      HttpRequest request, Supplier<CompletableFuture<HttpResponse<T>>> send) {
    CircuitBreaker breaker = breaker(request);
    NotAllowedException rejected = allow(breaker);
    if (rejected != null) {
      return CompletableFuture.failedFuture(rejected);
    }
    CompletableFuture<HttpResponse<T>> sent;
    try {
      sent = send.get();
    } catch (Throwable t) {
      classify(null, t).record(breaker);
      throw t;
    }
    return Pending.of(sent, breaker, this);
  }

  /** Returns the wrapped client's cookie handler. */
  @Override
  public Optional<CookieHandler> cookieHandler() {
    return delegate.cookieHandler();
  }

  /** Returns the wrapped client's connect timeout. */
  @Override
  public Optional<Duration> connectTimeout() {
    return delegate.connectTimeout();
  }

  /** Returns the wrapped client's redirect policy. */
  @Override
  public Redirect followRedirects() {
    return delegate.followRedirects();
  }

  /** Returns the wrapped client's proxy selector. */
  @Override
  public Optional<ProxySelector> proxy() {
    return delegate.proxy();
  }

  /** Returns the wrapped client's SSL context. */
  @Override
  public SSLContext sslContext() {
    return delegate.sslContext();
  }

  /** Returns the wrapped client's SSL parameters. */
  @Override
  public SSLParameters sslParameters() {
    return delegate.sslParameters();
  }

  /** Returns the wrapped client's authenticator. */
  @Override
  public Optional<Authenticator> authenticator() {
    return delegate.authenticator();
  }

  /** Returns the wrapped client's preferred HTTP version. */
  @Override
  public Version version() {
    return delegate.version();
  }

  /** Returns the wrapped client's executor. */
  @Override
  public Optional<Executor> executor() {
    return delegate.executor();
  }

  /**
   * Returns the wrapped client's WebSocket builder. WebSocket connections are not guarded by the
   * breaker.
   */
  @Override
  public WebSocket.Builder newWebSocketBuilder() {
    return delegate.newWebSocketBuilder();
  }

  /**
   * Classifies how an allowed request ended, from its response or its error: errors after a
   * shutdown of this client are ignored, the rest follows {@link Outcome#of(Object, Throwable,
   * BiPredicate)}.
   */
  Outcome classify(HttpResponse<?> response, Throwable error) {
    if (response == null && (shutDown || Lifecycle.isTerminated(delegate))) {
      return Outcome.IGNORED;
    }
    return Outcome.of(response, error, failureWhen);
  }

  /**
   * Returns the error the wrapped client's {@code sendAsync} would have failed with, given what
   * its {@code send} threw: the JDK's {@code send} wraps that error in a plain {@link
   * IOException} (a body handler's {@code IllegalStateException}, say, as well as an {@code
   * IOException}), and throws the rest, such as {@link ConnectException} or {@link
   * InterruptedException}, as they are.
   */
  static Throwable sendAsyncError(Throwable thrown) {
    return thrown.getClass() == IOException.class && thrown.getCause() != null
        ? thrown.getCause()
        : thrown;
  }

  /** Removes the {@link CompletionException} a dependent stage wraps an error in. */
  static Throwable unwrap(Throwable error) {
    return error instanceof CompletionException && error.getCause() != null
        ? error.getCause()
        : error;
  }

  /**
   * Starts an orderly shutdown of the wrapped client. This method overrides {@code
   * HttpClient.shutdown()}, which Java 21 added; on earlier Java versions, whose clients have no
   * lifecycle, it does nothing to the wrapped client. Errors of requests from here on are the
   * client's doing and recorded as ignored; so for {@link #shutdownNow()} and {@link #close()}.
   */
  public void shutdown() {
    shutDown = true;
    Lifecycle.shutdown(delegate);
  }

  /**
   * Shuts the wrapped client down at once. Overrides {@code HttpClient.shutdownNow()} of Java 21;
   * does nothing on earlier Java versions.
   */
  public void shutdownNow() {
    shutDown = true;
    Lifecycle.shutdownNow(delegate);
  }

  /**
   * Waits for the wrapped client to terminate for at most {@code duration}; returns whether it
   * has. Overrides {@code HttpClient.awaitTermination(Duration)} of Java 21; on earlier Java
   * versions it returns {@code true} at once, as Java 21's default does.
   *
   * @throws InterruptedException if interrupted while waiting
   */
  public boolean awaitTermination(Duration duration) throws InterruptedException {
    Objects.requireNonNull(duration, "duration");
    return Lifecycle.awaitTermination(delegate, duration);
  }

  /**
   * Returns whether the wrapped client has terminated. Overrides {@code
   * HttpClient.isTerminated()} of Java 21; returns {@code false} on earlier Java versions, as Java
   * 21's default does.
   */
  public boolean isTerminated() {
    return Lifecycle.isTerminated(delegate);
  }

  /**
   * Closes the wrapped client, waiting for its requests to finish. Overrides {@code
   * HttpClient.close()} of Java 21; does nothing on earlier Java versions.
   */
  public void close() {
    shutDown = true;
    Lifecycle.close(delegate);
  }

  @Override
  public String toString() {
    return "BackstopHttpClient(" + delegate + ", " + backstop + ")";
  }

  /** Returns the breaker of the request's operation. */
  private CircuitBreaker breaker(HttpRequest request) {
    Objects.requireNonNull(request, "request");
    String key = operation.apply(request);
    if (key == null) {
      throw new NullPointerException("operation returned null for " + request);
    }
    return backstop.breaker(key);
  }

  /**
   * Asks {@code breaker}; returns {@code null} if the request may go, else its rejection, already
   * recorded with {@link CircuitBreaker#markRejected()}. Returning it rather than rethrowing saves
   * sendAsync a second throw on the path that sheds load.
   */
  private static NotAllowedException allow(CircuitBreaker breaker) {
    try {
      breaker.allow();
      return null;
    } catch (NotAllowedException rejected) {
      breaker.markRejected();
      return rejected;
    }
  }

  /**
   * The default operation key: the request's origin, {@code scheme://host:port}, as {@link
   * Origin#key} makes it (lower case, the scheme's default port filled in, a recent origin's key
   * reused). A request's URI always has a scheme and a host: {@link HttpRequest.Builder} refuses
   * one without.
   */
  static String origin(HttpRequest request) {
    URI uri = request.uri();
    return Origin.key(uri.getScheme(), uri.getHost(), uri.getPort());
  }

  /**
   * Configures a {@link BackstopHttpClient}. Each option is checked when it is set and {@link
   * #build()} does not change the builder. Not thread-safe.
   */
  public static final class Builder {
    private final HttpClient client;
    private Backstop backstop;
    private Function<? super HttpRequest, String> operation = BackstopHttpClient::origin;
    private BiPredicate<? super HttpResponse<?>, ? super IOException> failureWhen =
        DEFAULT_FAILURE;

    private Builder(HttpClient client) {
      this.client = client;
    }

    /**
     * The breakers to use, one per operation. By default each built client gets its own {@link
     * Backstop#create()}; share one {@code Backstop} to share breakers between clients, or build
     * one with {@link Backstop#builder()} to choose the breakers' settings and bounds. The
     * {@code Backstop}'s own {@code failureWhen} applies to {@link Backstop#call} only; this client
     * classifies outcomes with {@link #failureWhen(BiPredicate)}.
     */
    public Builder backstop(Backstop backstop) {
      this.backstop = Objects.requireNonNull(backstop, "backstop");
      return this;
    }

    /**
     * The operation of a request, whose breaker guards it; called on the caller's thread before
     * each request, it must not return {@code null}. By default the request's origin, {@code
     * scheme://host:port}, lower case, with the default port filled in (for example {@code
     * http://api.example.com:80}), so that paths carrying IDs cannot multiply breakers. A
     * per-endpoint key such as {@code r -> r.method() + " " + r.uri().getPath()} works too: the
     * {@code Backstop}'s group keeps the number of breakers bounded whatever the keys are.
     */
    public Builder operation(Function<? super HttpRequest, String> operation) {
      this.operation = Objects.requireNonNull(operation, "operation");
      return this;
    }

    /**
     * Which responses and {@link IOException}s count as failures of the backend; the others count
     * as successes. The predicate is called once per request the breaker allowed, with the
     * response and {@code null}, or with {@code null} and the exception (unwrapped from any {@link
     * java.util.concurrent.CompletionException}, and from the plain {@code IOException} the JDK's
     * {@code send} wraps it in). It is not asked about the ends that say nothing about the backend
     * (see the class documentation), which are ignored. By default {@link #DEFAULT_FAILURE}:
     * status 500, 503 or 504, or an {@code IOException}. If the predicate throws, the outcome
     * counts as a failure, the exception is logged once per predicate class and the caller still
     * gets the response or its exception.
     *
     * <pre>{@code
     * .failureWhen(BackstopHttpClient.DEFAULT_FAILURE.or((response, error) ->
     *     response != null && response.statusCode() == 502))
     * }</pre>
     */
    public Builder failureWhen(
        BiPredicate<? super HttpResponse<?>, ? super IOException> failureWhen) {
      this.failureWhen = Objects.requireNonNull(failureWhen, "failureWhen");
      return this;
    }

    /** Builds the client. */
    public BackstopHttpClient build() {
      return new BackstopHttpClient(this);
    }
  }
}
