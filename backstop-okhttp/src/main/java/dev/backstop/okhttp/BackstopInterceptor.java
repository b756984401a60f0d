package dev.backstop.okhttp;

import dev.backstop.Backstop;
import dev.backstop.CircuitBreaker;
import dev.backstop.NotAllowedException;
import dev.backstop.Origin;
import dev.backstop.Outcome;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiPredicate;
import java.util.function.Function;
import okhttp3.Call;
import okhttp3.EventListener;
import okhttp3.HttpUrl;
import okhttp3.Interceptor;
import okhttp3.Request;
import okhttp3.Response;

/**
 * An OkHttp {@link Interceptor} that asks a circuit breaker before each request and tells it the
 * outcome.
 *
 * <pre>{@code
 * OkHttpClient client = new OkHttpClient.Builder()
 *     .addInterceptor(BackstopInterceptor.create())
 *     .build();
 * }</pre>
 *
 * <p><b>Operations.</b> Each request belongs to an operation, which has its own breaker in the
 * {@link Backstop}'s group. The operation is the request's {@link Operation} tag if it has one,
 * else the result of the {@link Builder#operation operation} function, by default the origin of
 * the URL ({@code scheme://host:port}), so paths that carry IDs cannot multiply breakers.
 *
 * <p><b>Rejection.</b> If the breaker rejects the request, the request is not sent, the rejection
 * is recorded with {@link CircuitBreaker#markRejected()} and the call fails with a {@link
 * NotAllowedIOException} whose cause is the breaker's {@link NotAllowedException}.
 *
 * <p><b>Outcome.</b> A request the breaker allowed records exactly one outcome, following the
 * outcome model of {@link CircuitBreaker}, and responses and exceptions reach the caller
 * unchanged. A response, or an {@link IOException} from the rest of the chain (connection refused,
 * a reset, a read timeout), counts as a failure if {@link Builder#failureWhen failureWhen} says so
 * (by default status 500, 503 or 504, and every {@code IOException}) and as a success otherwise.
 * What the client did says nothing about the backend and is recorded as ignored: a call the
 * caller cancelled ({@link okhttp3.Call#cancel()}, or {@code Dispatcher.cancelAll()} when the
 * client shuts down), another guard's rejection (a {@link NotAllowedIOException} from an
 * interceptor further down), and an unchecked exception from the chain (a bug in another
 * interceptor). The response is judged on its status line and headers when the interceptor
 * returns it: the body is streamed to the caller afterwards, so a failure while reading the body
 * is not counted.
 *
 * <p>OkHttp's call timeout ({@code OkHttpClient.Builder.callTimeout}) ends a call by cancelling
 * it, and only when the call has ended does OkHttp tell the two apart, by failing a timed-out call
 * with an {@link InterruptedIOException} "timeout". So a cancelled call that has a call timeout is
 * recorded when it ends, through an {@link EventListener} added to the call: a timeout goes to
 * {@code failureWhen} (a failure by default), a cancel is ignored.
 *
 * <p><b>Application or network interceptor.</b> Install it with {@code addInterceptor}, as an
 * application interceptor, unless you know you want the other. OkHttp calls an application
 * interceptor once per call, before it follows redirects, retries, consults the cache or opens a
 * connection. So every failure counts, including those to connect (connection refused, DNS, TLS),
 * and a rejected call opens no connection. Redirects and OkHttp's own retries happen inside one
 * decision, judged on the final response, and a response served from the cache counts as a
 * success.
 *
 * <p>Installed with {@code addNetworkInterceptor}, it is called once per request OkHttp writes to
 * the network: each redirect hop and each retry is its own decision, under the breaker of the
 * hop's own origin, and cache hits never reach it. But OkHttp calls network interceptors only once
 * it holds a connection: failures to connect are never seen by the breaker, and a rejected request
 * has already opened (or taken from the pool) a connection, though it writes nothing on it.
 * Network interceptors are also not called for web sockets.
 *
 * <p>Instances are immutable and thread-safe; one instance can serve any number of clients.
 */
public final class BackstopInterceptor implements Interceptor {

  /*
   * How it works.
   *
   * intercept() is the breaker contract around chain.proceed(): key, allow, proceed, then exactly
   * one mark. The mark for an allowed request is made before intercept() returns or throws, so
   * every path (response, IOException, unchecked exception from a later interceptor, predicate
   * that throws) records once; the response body is the caller's afterwards. The one exception is
   * a cancelled call with a call timeout, whose mark waits for the call's end (CallEnd): only
   * then does OkHttp tell a timeout from a cancel.
   *
   * Cost per call: one tag lookup (a small map in the Request), the key (the default reuses the
   * key of a recent origin, and concatenates scheme, host and port only for a new one), and a
   * lock-free Group.get on a known key. A cancelled call with a call timeout allocates one
   * EventListener, to learn at its end whether it timed out. A rejection allocates one
   * NotAllowedIOException without a stack trace. It cannot be shared like core's
   * NotAllowedException: OkHttp may add suppressed exceptions to what the chain throws.
   */

  /**
   * The default {@link Builder#failureWhen failureWhen}: a response with status 500, 503 or 504,
   * as in the original design, or any {@link IOException} (connection refused, timeouts, resets,
   * TLS failures) is a failure; every other response, 404 and 429 included, is not. Combine it
   * with {@link BiPredicate#or} to add to it.
   */
  public static final BiPredicate<Response, IOException> DEFAULT_FAILURE =
      DefaultFailure.INSTANCE;

  private final Backstop backstop;
  private final Function<? super Request, String> operation;
  private final BiPredicate<? super Response, ? super IOException> failureWhen;

  private BackstopInterceptor(Builder builder, Backstop backstop) {
    this.backstop = backstop;
    this.operation = builder.operation;
    this.failureWhen = builder.failureWhen;
  }

  /** Returns an interceptor with a new {@link Backstop#create()} and the default options. */
  public static BackstopInterceptor create() {
    return builder().build();
  }

  /** Returns an interceptor with the default options that uses the breakers of {@code backstop}. */
  public static BackstopInterceptor create(Backstop backstop) {
    return builder().backstop(backstop).build();
  }

  /** Returns a builder with the defaults of {@link #create()}. */
  public static Builder builder() {
    return new Builder();
  }

  /** The name of the request's {@link Operation} tag if it has one, else the function's result. */
  String operation(Request request) {
    Operation tag = request.tag(Operation.class);
    if (tag != null) {
      return tag.name();
    }
    String name = operation.apply(request);
    if (name == null) {
      throw new NullPointerException("operation returned null for " + request.url().redact());
    }
    return name;
  }

  /**
   * Guards {@code chain.proceed}: see the class documentation.
   *
   * @throws NotAllowedIOException if the breaker rejects the request
   * @throws IOException whatever the rest of the chain throws
   */
  @Override
  public Response intercept(Interceptor.Chain chain) throws IOException {
    Request request = chain.request();
    String name = operation(request);
    CircuitBreaker breaker = backstop.breaker(name);
    try {
      breaker.allow();
    } catch (NotAllowedException rejected) {
      breaker.markRejected();
      throw new NotAllowedIOException(name, rejected);
    }
    Response response;
    try {
      response = chain.proceed(request);
    } catch (IOException e) {
      failed(chain.call(), breaker, e);
      throw e;
    } catch (RuntimeException | Error e) {
      breaker.markIgnored(); // a bug in another interceptor or in OkHttp, not the backend's say
      throw e;
    }
    Outcome.of(response, null, failureWhen).record(breaker);
    return response;
  }

  /**
   * Records an {@link IOException} from the chain: ignored if the caller cancelled the call, else
   * as {@link Outcome#of(Object, Throwable, BiPredicate)} says. A cancelled call that has a call
   * timeout may have been cancelled by it: that is known when the call ends, so the outcome is
   * recorded then.
   */
  private void failed(Call call, CircuitBreaker breaker, IOException e) {
    if (!call.isCanceled()) {
      Outcome.of(null, e, failureWhen).record(breaker);
    } else if (call.timeout().timeoutNanos() > 0) {
      call.addEventListener(new CallEnd(breaker, failureWhen));
    } else {
      breaker.markIgnored();
    }
  }

  /**
   * Records the outcome of a cancelled call when it ends: OkHttp ends a call whose call timeout
   * passed by cancelling it, and only then replaces its exception by an {@link
   * InterruptedIOException} "timeout", a failure of the backend to answer in time. Any other end
   * of a cancelled call is the caller's doing, and ignored.
   */
  private static final class CallEnd extends EventListener {
    private final CircuitBreaker breaker;
    private final BiPredicate<? super Response, ? super IOException> failureWhen;
    private final AtomicBoolean recorded = new AtomicBoolean();

    CallEnd(
        CircuitBreaker breaker, BiPredicate<? super Response, ? super IOException> failureWhen) {
      this.breaker = breaker;
      this.failureWhen = failureWhen;
    }

    @Override
    public void callFailed(Call call, IOException e) {
      if (recorded.compareAndSet(false, true)) {
        boolean timedOut =
            e.getClass() == InterruptedIOException.class && "timeout".equals(e.getMessage());
        (timedOut ? Outcome.of(null, e, failureWhen) : Outcome.IGNORED).record(breaker);
      }
    }

    @Override
    public void callEnd(Call call) {
      if (recorded.compareAndSet(false, true)) {
        breaker.markIgnored();
      }
    }
  }

  /**
   * Returns the default operation: {@code scheme://host:port}, with IPv6 hosts in brackets, as
   * {@link Origin#key} makes it (a recent origin's key reused).
   */
  static String origin(HttpUrl url) {
    return Origin.key(url.scheme(), url.host(), url.port());
  }

  @Override
  public String toString() {
    return "BackstopInterceptor(" + backstop + ")";
  }

  /**
   * Configures a {@link BackstopInterceptor}. Each option is checked when it is set and {@link
   * #build()} does not change the builder. Not thread-safe.
   */
  public static final class Builder {
    private Backstop backstop;
    private Function<? super Request, String> operation = request -> origin(request.url());
    private BiPredicate<? super Response, ? super IOException> failureWhen = DEFAULT_FAILURE;

    private Builder() {}

    /**
     * The breakers to use, one per operation. Share one {@code Backstop} between clients (or with
     * the gRPC integration) to give them common breakers and one place to read snapshots. By
     * default, a new {@link Backstop#create()} per {@link #build()}.
     */
    public Builder backstop(Backstop backstop) {
      this.backstop = Objects.requireNonNull(backstop, "backstop");
      return this;
    }

    /**
     * Maps a request without an {@link Operation} tag to its operation, the key of its breaker; it
     * must not return {@code null}. By default the origin of the URL, {@code scheme://host:port}
     * (for example {@code https://api.example.com:443}), so one breaker guards each server. A
     * function that returns per-endpoint keys should not copy IDs from paths into them: the
     * group's size bound keeps memory safe, but each new key starts a breaker with no history.
     */
    public Builder operation(Function<? super Request, String> operation) {
      this.operation = Objects.requireNonNull(operation, "operation");
      return this;
    }

    /**
     * Which responses and {@link IOException}s count as failures of the backend; the others count
     * as successes. The predicate is called once per request the breaker allowed, with the
     * response and {@code null}, or with {@code null} and the exception. It is not asked about the
     * ends that say nothing about the backend (see the class documentation), which are ignored.
     * By default {@link #DEFAULT_FAILURE}: status 500, 503 and 504, as in the original design (a
     * 4xx such as 404 or 429 is the backend answering, not failing), and every {@code
     * IOException}. The predicate sees the response before its body is read and must not read the
     * body. If it throws, the request counts as a failure, the exception is logged once per
     * predicate class and the caller still gets the response or its exception.
     *
     * <pre>{@code
     * .failureWhen(BackstopInterceptor.DEFAULT_FAILURE.or((response, error) ->
     *     response != null && response.code() == 429))
     * }</pre>
     */
    public Builder failureWhen(BiPredicate<? super Response, ? super IOException> failureWhen) {
      this.failureWhen = Objects.requireNonNull(failureWhen, "failureWhen");
      return this;
    }

    /** Builds the interceptor. */
    public BackstopInterceptor build() {
      return new BackstopInterceptor(this, backstop == null ? Backstop.create() : backstop);
    }
  }
}
