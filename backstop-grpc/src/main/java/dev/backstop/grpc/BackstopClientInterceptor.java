package dev.backstop.grpc;

import dev.backstop.Backstop;
import dev.backstop.CircuitBreaker;
import dev.backstop.NotAllowedException;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.util.Objects;
import java.util.function.BiFunction;
import java.util.function.BiPredicate;

/**
 * A gRPC client interceptor that guards every call with the circuit breaker of its operation, by
 * default one breaker per method.
 *
 * <pre>{@code
 * ManagedChannel channel = ManagedChannelBuilder.forTarget(target)
 *     .intercept(BackstopClientInterceptor.create())
 *     .build();
 * }</pre>
 *
 * <p><b>Rejection.</b> The breaker is asked when the call starts ({@link ClientCall#start
 * start}). If it rejects the call, the call never reaches the next channel, so nothing is sent on
 * the wire. The rejection is recorded with {@link CircuitBreaker#markRejected()}, and the call is
 * closed with {@link Status#UNAVAILABLE}, the description {@code "request failed due to circuit
 * breaker triggered"}, the breaker's {@link NotAllowedException} as cause, and the trailer {@link
 * #REASON} set to {@code CIRCUITBREAKER}: through the executor of the call options if they name
 * one, in the caller's {@link io.grpc.Context}, as gRPC closes the calls it fails early; else
 * from within {@code start}, on the calling thread. Blocking and future stubs throw a {@link
 * io.grpc.StatusRuntimeException}, async stubs get it in {@code onError}, like any other failed
 * call. A caller tells a local rejection from a server's {@code UNAVAILABLE} by that trailer:
 *
 * <pre>{@code
 * catch (StatusRuntimeException e) {
 *   Metadata trailers = e.getTrailers();
 *   boolean local = trailers != null && trailers.containsKey(BackstopClientInterceptor.REASON);
 * }
 * }</pre>
 *
 * <p><b>Outcome.</b> An allowed call, unary or streaming, goes ahead unchanged and its outcome is
 * recorded exactly once, when it closes, following the outcome model of {@link CircuitBreaker}.
 * What the client did says nothing about the backend and is recorded as ignored: a call the
 * caller cancelled (through the call, or by cancelling its {@link io.grpc.Context}), a call
 * started after its deadline had passed (gRPC fails it without sending it), a call closed by the
 * shutdown of its channel, a call closed by another guard's local rejection (its status's cause is
 * a {@link NotAllowedException}), and a call whose {@code start} throws (an interceptor closer to
 * the transport failed it). Every other close is a failure if {@link
 * Builder#failureWhen(BiPredicate) failureWhen} holds for its status and trailers, else a success;
 * by default {@link #DEFAULT_FAILURE}.
 *
 * <p>gRPC closes a call with {@code UNAVAILABLE} both when its channel is shut down and when the
 * server cannot be reached. The interceptor tells the two apart by what gRPC-java puts in the
 * status: a refused or reset connection carries its I/O exception as cause and counts as a
 * failure, while a shutdown has no cause and one of the descriptions {@code "Channel shutdown
 * invoked"} and {@code "Channel shutdownNow invoked"}. A server that relays exactly such a status
 * from a channel of its own is therefore counted as ignored too.
 *
 * <p>Instances are immutable and thread-safe; share one across channels and stubs. The calls it
 * returns are, like every {@link ClientCall}, not thread-safe.
 */
public final class BackstopClientInterceptor implements ClientInterceptor {

  /**
   * The trailer key that marks a call rejected locally by a breaker, with the value {@code
   * CIRCUITBREAKER} ({@link NotAllowedException#reason()}). Servers never send it; it is set only
   * on the trailers of calls this interceptor rejects.
   */
  public static final Metadata.Key<String> REASON =
      Metadata.Key.of("backstop-reason", Metadata.ASCII_STRING_MARSHALLER);

  /**
   * The default {@link Builder#failureWhen(BiPredicate) failureWhen}: the codes the original
   * design counts as trouble of the server, {@code UNKNOWN}, {@code DEADLINE_EXCEEDED}, {@code
   * INTERNAL}, {@code UNAVAILABLE} and {@code DATA_LOSS}, are failures; every other status, {@code
   * OK} included, is not. Combine it with {@link BiPredicate#or} to add to it.
   */
  public static final BiPredicate<Status, Metadata> DEFAULT_FAILURE = DefaultFailure.INSTANCE;

  private static final BiFunction<MethodDescriptor<?, ?>, CallOptions, String> FULL_METHOD_NAME =
      new BiFunction<>() {
        @Override
        public String apply(MethodDescriptor<?, ?> method, CallOptions options) {
          return method.getFullMethodName();
        }

        @Override
        public String toString() {
          return "full method name";
        }
      };

  private final Backstop backstop;
  private final BiFunction<? super MethodDescriptor<?, ?>, ? super CallOptions, String> operation;
  private final BiPredicate<? super Status, ? super Metadata> failureWhen;

  private BackstopClientInterceptor(
      Backstop backstop,
      BiFunction<? super MethodDescriptor<?, ?>, ? super CallOptions, String> operation,
      BiPredicate<? super Status, ? super Metadata> failureWhen) {
    this.backstop = backstop;
    this.operation = operation;
    this.failureWhen = failureWhen;
  }

  /**
   * Returns an interceptor with a new {@link Backstop#create() Backstop} of default breakers, one
   * per full method name, and the default failure codes.
   */
  public static BackstopClientInterceptor create() {
    return builder().build();
  }

  /**
   * Returns an interceptor that takes its breakers from {@code backstop}, one per full method name,
   * with the default failure codes. Give the same {@code Backstop} to several interceptors or
   * integrations to share breakers, or build it with {@link Backstop#builder()} to choose the
   * breakers' algorithm and settings.
   */
  public static BackstopClientInterceptor create(Backstop backstop) {
    return builder().backstop(backstop).build();
  }

  /** Returns a builder with the defaults of {@link #create()}. */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(
      MethodDescriptor<ReqT, RespT> method, CallOptions callOptions, Channel next) {
    String key = operation.apply(method, callOptions);
    if (key == null) {
      throw new NullPointerException(
          "operation returned null for method " + method.getFullMethodName());
    }
    return new GuardedCall<>(next, method, callOptions, backstop.breaker(key), failureWhen);
  }

  @Override
  public String toString() {
    return "BackstopClientInterceptor(operation="
        + operation
        + ", failureWhen="
        + failureWhen
        + ", "
        + backstop
        + ")";
  }

  /**
   * Configures a {@link BackstopClientInterceptor}. Each option is checked when it is set and
   * {@link #build()} does not change the builder. Not thread-safe.
   */
  public static final class Builder {
    private Backstop backstop;
    private BiFunction<? super MethodDescriptor<?, ?>, ? super CallOptions, String> operation =
        FULL_METHOD_NAME;
    private BiPredicate<? super Status, ? super Metadata> failureWhen = DEFAULT_FAILURE;

    private Builder() {}

    /**
     * Where the breakers come from: {@link Backstop#breaker(String)} with the operation of each
     * call. By default, each {@link #build()} creates a new {@link Backstop#create() Backstop}.
     */
    public Builder backstop(Backstop backstop) {
      this.backstop = Objects.requireNonNull(backstop, "backstop");
      return this;
    }

    /**
     * The operation of a call, whose breaker guards it: a function of the method and the call
     * options that must not return {@code null}. By default the full method name, such as {@code
     * "package.Service/Method"}, so that each method has its own breaker. To key by target as well,
     * give each channel's interceptor a function that adds the target, for example {@code (method,
     * options) -> "users:" + method.getFullMethodName()}, and share one {@code Backstop}.
     */
    public Builder operation(
        BiFunction<? super MethodDescriptor<?, ?>, ? super CallOptions, String> operation) {
      this.operation = Objects.requireNonNull(operation, "operation");
      return this;
    }

    /**
     * Which closes of an allowed call count as failures of the backend, from the closing status and
     * trailers; the others count as successes. It is not asked about the closes that say nothing
     * about the backend (a cancel, a call that could not be sent, a shutdown, another guard's
     * rejection: see the class documentation), which are ignored. By default {@link
     * #DEFAULT_FAILURE}. If the predicate throws, the call counts as a failure, the exception is
     * logged once per predicate class and the caller's listener still gets the close.
     *
     * <pre>{@code
     * .failureWhen(BackstopClientInterceptor.DEFAULT_FAILURE.or((status, trailers) ->
     *     status.getCode() == Status.Code.RESOURCE_EXHAUSTED && trailers.containsKey(OVERLOADED)))
     * }</pre>
     */
    public Builder failureWhen(BiPredicate<? super Status, ? super Metadata> failureWhen) {
      this.failureWhen = Objects.requireNonNull(failureWhen, "failureWhen");
      return this;
    }

    /** Builds the interceptor. */
    public BackstopClientInterceptor build() {
      return new BackstopClientInterceptor(
          backstop == null ? Backstop.create() : backstop, operation, failureWhen);
    }
  }
}
