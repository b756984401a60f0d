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
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Predicate;

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
 * <p>The breaker is asked when the call starts ({@link ClientCall#start start}). If it allows the
 * call, the call goes ahead unchanged and its outcome is recorded exactly once, when it closes:
 * as a failure if the {@link Builder#failureWhen(Predicate) failureWhen} predicate holds for the
 * closing status, else as a success. This holds for unary and streaming calls alike; a call whose
 * {@code start} throws is recorded with the status of the exception ({@link
 * Status#fromThrowable}), and a second close is ignored.
 *
 * <p>If the breaker rejects the call, the call never reaches the next channel, so nothing is sent
 * on the wire. The rejection is recorded with {@link CircuitBreaker#markRejected()}, and the call
 * is closed from within {@code start}, on the calling thread, with {@link Status#UNAVAILABLE}, the
 * description {@code "request failed due to circuit breaker triggered"}, the breaker's {@link
 * NotAllowedException} as cause, and the trailer {@link #REASON} set to {@code CIRCUITBREAKER}.
 * Blocking and future stubs throw a {@link io.grpc.StatusRuntimeException}, async stubs get it in
 * {@code onError}, like any other failed call. A caller tells a local rejection from a server's
 * {@code UNAVAILABLE} by that trailer:
 *
 * <pre>{@code
 * catch (StatusRuntimeException e) {
 *   Metadata trailers = e.getTrailers();
 *   boolean local = trailers != null && trailers.containsKey(BackstopClientInterceptor.REASON);
 * }
 * }</pre>
 *
 * <p>A call cancelled by the client closes with {@link Status.Code#CANCELLED CANCELLED} and goes
 * through the predicate like any other status; the default predicate counts it as a success,
 * because a cancel says nothing about the backend. A call whose deadline passes closes with {@link
 * Status.Code#DEADLINE_EXCEEDED DEADLINE_EXCEEDED}, which the default counts as a failure.
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

  private static final Set<Status.Code> DEFAULT_FAILURES =
      EnumSet.of(
          Status.Code.UNKNOWN,
          Status.Code.INTERNAL,
          Status.Code.DATA_LOSS,
          Status.Code.UNAVAILABLE,
          Status.Code.DEADLINE_EXCEEDED);

  private static final Predicate<Status> DEFAULT_FAILURE_WHEN =
      new Predicate<>() {
        @Override
        public boolean test(Status status) {
          return DEFAULT_FAILURES.contains(status.getCode());
        }

        @Override
        public String toString() {
          return "code in " + DEFAULT_FAILURES;
        }
      };

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
  private final Predicate<? super Status> failureWhen;

  private BackstopClientInterceptor(
      Backstop backstop,
      BiFunction<? super MethodDescriptor<?, ?>, ? super CallOptions, String> operation,
      Predicate<? super Status> failureWhen) {
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
   * integrations to share breakers, or build it with a custom {@link dev.backstop.Group} to choose
   * the breakers' algorithm and settings.
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
    private Predicate<? super Status> failureWhen = DEFAULT_FAILURE_WHEN;

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
     * Which closing statuses of an allowed call count as failures of the backend; the others,
     * {@code OK} included, count as successes. By default the codes the original design counts as
     * server trouble: {@code UNKNOWN}, {@code INTERNAL}, {@code DATA_LOSS}, {@code UNAVAILABLE} and
     * {@code DEADLINE_EXCEEDED}. If the predicate throws, the exception is logged and the call
     * counts as a failure.
     */
    public Builder failureWhen(Predicate<? super Status> failureWhen) {
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
