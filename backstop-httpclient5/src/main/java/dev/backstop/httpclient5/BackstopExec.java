package dev.backstop.httpclient5;

import dev.backstop.Backstop;
import dev.backstop.CircuitBreaker;
import dev.backstop.NotAllowedException;
import dev.backstop.Origin;
import dev.backstop.Outcome;
import java.io.IOException;
import java.util.Objects;
import java.util.function.BiPredicate;
import java.util.function.Function;
import org.apache.hc.client5.http.HttpRoute;
import org.apache.hc.client5.http.async.AsyncExecCallback;
import org.apache.hc.client5.http.async.AsyncExecChain;
import org.apache.hc.client5.http.async.AsyncExecChainHandler;
import org.apache.hc.client5.http.classic.ExecChain;
import org.apache.hc.client5.http.classic.ExecChainHandler;
import org.apache.hc.client5.http.impl.ChainElement;
import org.apache.hc.client5.http.impl.async.HttpAsyncClientBuilder;
import org.apache.hc.client5.http.impl.classic.HttpClientBuilder;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.http.HttpRequest;
import org.apache.hc.core5.http.HttpResponse;
import org.apache.hc.core5.http.nio.AsyncEntityProducer;
import org.apache.hc.core5.http.protocol.HttpContext;

/**
 * An Apache HttpClient 5 execution-chain handler that asks a circuit breaker before each request
 * and tells it the outcome. The same instance serves the classic client ({@link
 * ExecChainHandler}) and the async client ({@link AsyncExecChainHandler}). Install it before the
 * client's retry element, so that each request is one decision:
 *
 * <pre>{@code
 * CloseableHttpClient client = HttpClients.custom()
 *     .addExecInterceptorBefore(
 *         ChainElement.RETRY.name(), BackstopExec.NAME, BackstopExec.create(backstop))
 *     .build();
 * }</pre>
 *
 * <p><b>Where in the chain.</b> HttpClient runs a request through named elements, outermost
 * first: {@code REDIRECT}, {@code RETRY}, {@code COMPRESS}, {@code PROTOCOL}, {@code CONNECT},
 * {@code MAIN_TRANSPORT}. Before {@code RETRY} (the default place) the handler decides once per
 * request and redirect hop: the client's retries happen inside that one decision, which is judged
 * on the last attempt, and a rejection is never retried by the client. Before {@code PROTOCOL}
 * (inside the retry loop) each attempt is its own decision: the breaker also sees the failures a
 * successful retry hid, and a rejection reaches the retry strategy as a {@link
 * NotAllowedIOException}, a {@link java.net.ConnectException} that the default strategy does not
 * retry. Both places see failures to connect, since {@code CONNECT} is inside both. HttpClient
 * silently skips a handler added before an element the client does not have: a client built with
 * {@code disableAutomaticRetries()} has no {@code RETRY}, so install it before {@code PROTOCOL}
 * there.
 *
 * <p><b>Operations.</b> Each request belongs to an operation, which has its own breaker in the
 * {@link Backstop}'s group: the {@link Operation} in the request's context under {@link
 * Operation#ATTRIBUTE} if there is one, else the result of the {@link Builder#operation operation}
 * function, by default the route's target origin {@code scheme://host:port} (lower case, default
 * port filled in), so paths that carry IDs cannot multiply breakers.
 *
 * <p><b>Rejection.</b> A rejected request is not sent and opens no connection; the rejection is
 * recorded with {@link CircuitBreaker#markRejected()}. The classic client throws a {@link
 * NotAllowedIOException} whose cause is the breaker's {@link NotAllowedException}; the async client
 * fails the request's future and callback with it.
 *
 * <p><b>Outcome.</b> A request the breaker allowed records exactly one outcome. A response counts
 * as a failure if {@link Builder#failureWhen failureWhen} says so (by default status 500, 503 or
 * 504) and as a success otherwise; it is judged on its status line and headers, as soon as they
 * arrive: the body is streamed to the caller afterwards, so a failure while reading it is not
 * counted. An exception is ignored if the request was cancelled or aborted, if the client was
 * closed (see below), if the exception is or was caused by an interrupt, a cancellation or
 * another guard's rejection, or if it is neither an {@link IOException} nor an {@link
 * HttpException} (a bug of the client or of a later handler says nothing about the backend):
 * core's rule {@link Outcome#of(Object, Throwable, BiPredicate)}, extended to {@code
 * HttpException}. Otherwise it counts as a failure if {@code failureWhen} says so (by default any
 * {@code IOException}: refused or reset connections, connect and response timeouts; and any
 * {@code HttpException}: a response that breaks the protocol) and as a success otherwise.
 * Responses and exceptions reach the caller unchanged.
 *
 * <p><b>The client's close.</b> HttpClient tells a handler nothing when its client is closed: a
 * classic request in flight fails with its socket's I/O error, as a reset would, and an async
 * request's future is left pending for ever. A client built from {@link #classicClientBuilder()}
 * or {@link #asyncClientBuilder()} (the handler installed as above, plus a hook the client closes
 * before its connection manager) tells the handler: the classic request is then ignored, and the
 * async request is ignored and its future cancelled.
 *
 * <p>Instances are immutable and thread-safe; one instance can serve any number of clients.
 */
public final class BackstopExec implements ExecChainHandler, AsyncExecChainHandler {

  /*
   * How it works.
   *
   * Both execute() methods are the breaker contract around chain.proceed(): key, allow (in
   * allowed(), shared by both), proceed, then exactly one mark. The classic one marks before it
   * returns or throws. The async one passes a GuardedCallback down the chain, which marks on the
   * first of handleResponse (the status line and headers), failed or completed, claimed by a CAS.
   * That callback is the only allocation an allowed async request adds, but for one node of
   * ClientState's set of requests in flight on a client made by asyncClientBuilder(). A rejection
   * allocates one NotAllowedIOException without a stack trace; it cannot be shared, since callers
   * may add suppressed exceptions to it.
   *
   * The default key is the route's target origin, from core's Origin.key, which reuses the key
   * of a recent origin: a request to a known host builds no string.
   */

  /** The name to install the handler under in a client's execution chain. */
  public static final String NAME = "BACKSTOP";

  /**
   * The default {@link Builder#failureWhen failureWhen}: a response with status 500, 503 or 504,
   * or an {@link IOException} or {@link HttpException}.
   */
  public static final BiPredicate<HttpResponse, Throwable> DEFAULT_FAILURE =
      new BiPredicate<>() {
        @Override
        public boolean test(HttpResponse response, Throwable error) {
          if (response != null) {
            int code = response.getCode();
            return code == 500 || code == 503 || code == 504;
          }
          return error instanceof IOException || error instanceof HttpException;
        }

        @Override
        public String toString() {
          return "BackstopExec.DEFAULT_FAILURE";
        }
      };

  private final Backstop backstop;
  private final Function<? super HttpRequest, String> operation;
  private final BiPredicate<? super HttpResponse, ? super Throwable> failureWhen;

  /** The client this instance serves, if it was installed by one of the builder methods. */
  private final ClientState client;

  private BackstopExec(Builder builder, Backstop backstop) {
    this.backstop = backstop;
    this.operation = builder.operation;
    this.failureWhen = builder.failureWhen;
    this.client = null;
  }

  /** A copy of {@code exec} that serves one client, whose close {@code client} learns of. */
  private BackstopExec(BackstopExec exec, ClientState client) {
    this.backstop = exec.backstop;
    this.operation = exec.operation;
    this.failureWhen = exec.failureWhen;
    this.client = client;
  }

  /** Returns a handler with a new {@link Backstop#create()} and the default options. */
  public static BackstopExec create() {
    return builder().build();
  }

  /** Returns a handler with the default options that uses the breakers of {@code backstop}. */
  public static BackstopExec create(Backstop backstop) {
    return builder().backstop(backstop).build();
  }

  /** Returns a builder with the defaults of {@link #create()}. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Returns a new classic client builder with this handler installed before {@code RETRY} and
   * told when the client is closed: {@code HttpClients.custom()} plus {@code
   * addExecInterceptorBefore(ChainElement.RETRY.name(), NAME, ...)} and a close hook. A request
   * the client's {@code close()} cuts is ignored, not counted as the socket's I/O error.
   */
  public HttpClientBuilder classicClientBuilder() {
    return classicClientBuilder(ChainElement.RETRY);
  }

  /**
   * Returns a new classic client builder with this handler installed before {@code element} and
   * told when the client is closed; see {@link #classicClientBuilder()}.
   */
  public HttpClientBuilder classicClientBuilder(ChainElement element) {
    Objects.requireNonNull(element, "element");
    return new ClassicBuilder(this, element);
  }

  /**
   * Returns a new async client builder with this handler installed before {@code RETRY} and told
   * when the client is closed: {@code HttpAsyncClients.custom()} plus {@code
   * addExecInterceptorBefore(ChainElement.RETRY.name(), NAME, ...)} and a close hook. HttpClient
   * leaves the future of a request in flight pending for ever when the client is closed; on a
   * client built here the close cancels it, and the request is ignored.
   */
  public HttpAsyncClientBuilder asyncClientBuilder() {
    return asyncClientBuilder(ChainElement.RETRY);
  }

  /**
   * Returns a new async client builder with this handler installed before {@code element} and
   * told when the client is closed; see {@link #asyncClientBuilder()}.
   */
  public HttpAsyncClientBuilder asyncClientBuilder(ChainElement element) {
    Objects.requireNonNull(element, "element");
    return new AsyncBuilder(this, element);
  }

  /**
   * Guards one request of the classic client: see the class documentation.
   *
   * @throws NotAllowedIOException if the breaker rejects the request
   */
  @Override
  public ClassicHttpResponse execute(
      ClassicHttpRequest request, ExecChain.Scope scope, ExecChain chain)
      throws IOException, HttpException {
    CircuitBreaker breaker = allowed(operation(request, scope.route, scope.clientContext));
    ClassicHttpResponse response;
    try {
      response = chain.proceed(request, scope);
    } catch (Throwable t) {
      // Aborted, or cut by the client's close: the socket's error is the client's own doing.
      (scope.execRuntime.isExecutionAborted() || closed() ? Outcome.IGNORED : classify(t))
          .record(breaker);
      throw t;
    }
    classify(response).record(breaker);
    return response;
  }

  /** Guards one request of the async client: see the class documentation. */
  @Override
  public void execute(
      HttpRequest request,
      AsyncEntityProducer entityProducer,
      AsyncExecChain.Scope scope,
      AsyncExecChain chain,
      AsyncExecCallback callback)
      throws HttpException, IOException {
    CircuitBreaker breaker;
    try {
      breaker = allowed(operation(request, scope.route, scope.clientContext));
    } catch (NotAllowedIOException rejected) {
      callback.failed(rejected);
      return;
    }
    GuardedCallback guarded =
        new GuardedCallback(this, breaker, scope.cancellableDependency, callback);
    if (client != null) {
      client.started(guarded);
    }
    try {
      chain.proceed(request, entityProducer, scope, guarded);
    } catch (Throwable t) {
      guarded.threw(t);
      guarded.ended();
      throw t;
    }
  }

  /**
   * Asks the breaker of operation {@code name}; records a rejection and throws it as the {@link
   * NotAllowedIOException} both clients fail the request with.
   */
  private CircuitBreaker allowed(String name) throws NotAllowedIOException {
    CircuitBreaker breaker = backstop.breaker(name);
    try {
      breaker.allow();
    } catch (NotAllowedException rejected) {
      breaker.markRejected();
      throw new NotAllowedIOException(name, rejected);
    }
    return breaker;
  }

  /** A copy of this handler that serves the client {@code client} belongs to. */
  BackstopExec forClient(ClientState client) {
    return new BackstopExec(this, client);
  }

  /** Whether this handler serves one client and that client was closed. */
  boolean closed() {
    return client != null && client.closed();
  }

  /** Forgets a finished async request of the client this handler serves. */
  void ended(GuardedCallback guarded) {
    if (client != null) {
      client.ended(guarded);
    }
  }

  Outcome classify(HttpResponse response) {
    return Outcome.of(response, null, failureWhen);
  }

  /**
   * Core's rule for I/O clients ({@link Outcome#of(Object, Throwable, BiPredicate)}), which asks
   * {@code failureWhen} about {@link IOException}s and ignores other exceptions, extended to
   * HttpClient's checked {@link HttpException}: a response that breaks the protocol is the
   * backend's answer too.
   */
  Outcome classify(Throwable error) {
    return error instanceof HttpException && !Outcome.ignored(error)
        ? Outcome.classify(failureWhen, null, error)
        : Outcome.of(null, error, failureWhen);
  }

  /** The request's operation: its context's {@link Operation}, else the function's result. */
  String operation(HttpRequest request, HttpRoute route, HttpContext context) {
    Object tag = context == null ? null : context.getAttribute(Operation.ATTRIBUTE);
    if (tag != null) {
      if (tag instanceof Operation o) {
        return o.name();
      }
      throw new IllegalArgumentException(
          "context attribute "
              + Operation.ATTRIBUTE
              + " must be an Operation, was "
              + tag.getClass().getName());
    }
    if (operation == null) {
      return origin(route.getTargetHost());
    }
    String name = operation.apply(request);
    if (name == null) {
      throw new NullPointerException(
          "operation returned null for " + request.getMethod() + " " + request.getRequestUri());
    }
    return name;
  }

  /** Returns {@code scheme://host:port} of {@code host}, as {@link Origin#key} makes it. */
  static String origin(HttpHost host) {
    return Origin.key(host.getSchemeName(), host.getHostName(), host.getPort());
  }

  @Override
  public String toString() {
    return "BackstopExec(" + backstop + ", failureWhen " + failureWhen + ")";
  }

  /**
   * Configures a {@link BackstopExec}. Each option is checked when it is set and {@link #build()}
   * does not change the builder. Not thread-safe.
   */
  public static final class Builder {
    private Backstop backstop;
    private Function<? super HttpRequest, String> operation;
    private BiPredicate<? super HttpResponse, ? super Throwable> failureWhen = DEFAULT_FAILURE;

    private Builder() {}

    /**
     * The breakers to use, one per operation. Share one {@code Backstop} between clients (or with
     * other integrations) to give them common breakers and one place to read snapshots. By
     * default, a new {@link Backstop#create()} per {@link #build()}.
     */
    public Builder backstop(Backstop backstop) {
      this.backstop = Objects.requireNonNull(backstop, "backstop");
      return this;
    }

    /**
     * Maps a request without an {@link Operation} in its context to its operation, the key of its
     * breaker; it must not return {@code null}. By default the route's target origin, {@code
     * scheme://host:port} in lower case with the default port filled in (for example {@code
     * https://api.example.com:443}), so one breaker guards each server. A function that returns
     * per-endpoint keys should not copy IDs from paths into them: the group's size bound keeps
     * memory safe, but each new key starts a breaker with no history.
     */
    public Builder operation(Function<? super HttpRequest, String> operation) {
      this.operation = Objects.requireNonNull(operation, "operation");
      return this;
    }

    /**
     * Decides whether a request the breaker allowed failed: called once per request with {@code
     * (response, null)} when the status line and headers arrive, or with {@code (null,
     * exception)} where the exception is an {@link IOException} or an {@link HttpException};
     * {@code true} counts as a failure, {@code false} as a success. Other exceptions, and those
     * of cancelled, aborted or interrupted requests or of a closed client, are ignored before it
     * is asked. By default
     * {@link #DEFAULT_FAILURE}; extend it with {@code BackstopExec.DEFAULT_FAILURE.or(...)}. If it
     * throws, the request counts as a failure and the caller still gets its response.
     */
    public Builder failureWhen(BiPredicate<? super HttpResponse, ? super Throwable> failureWhen) {
      this.failureWhen = Objects.requireNonNull(failureWhen, "failureWhen");
      return this;
    }

    /** Builds the handler. */
    public BackstopExec build() {
      return new BackstopExec(this, backstop == null ? Backstop.create() : backstop);
    }
  }
}
