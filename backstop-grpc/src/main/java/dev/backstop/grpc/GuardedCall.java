package dev.backstop.grpc;

import dev.backstop.CircuitBreaker;
import dev.backstop.NotAllowedException;
import dev.backstop.Outcome;
import io.grpc.Attributes;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.BiPredicate;

/**
 * A call guarded by one breaker: made by {@link BackstopClientInterceptor} for every new call.
 *
 * <p>Not thread-safe, like every {@link ClientCall}, except that {@link #request(int)} and {@link
 * #cancel} may be called from any thread once the call has started.
 */
final class GuardedCall<ReqT, RespT> extends ForwardingClientCall<ReqT, RespT> {

  /*
   * How it works.
   *
   * The real call is created only in start(), after the breaker has allowed it, so a rejected call
   * never reaches the next channel. Until then `call` is null; after start() (or a cancel()
   * before it) it holds the real call, or NOOP for a call that was rejected or cancelled before
   * start. `call` is volatile because request() and cancel() may come from another thread.
   *
   * An allowed call is wrapped in one Closing listener, which records the outcome in onClose.
   * gRPC promises one onClose per call, but an interceptor further down may break that promise or
   * close the listener and then throw from start(), so Closing claims the right to record with a
   * CAS on a boolean: whichever of onClose and the start() failure path comes first records, any
   * later close is passed on to the caller's listener but not recorded again. The two objects
   * (this call and its Closing) are the only per-call allocations on the allowed path.
   *
   * What the close says about the backend (see CircuitBreaker's outcome model), in this order:
   * - CANCELLED after the caller cancelled (this call's cancel(), or the caller's Context was
   *   cancelled): ignored.
   * - DEADLINE_EXCEEDED or CANCELLED of a call whose deadline had passed, or whose Context was
   *   cancelled, when it started: gRPC never sends such a call, so ignored. Checking needs a clock
   *   read at start, made only for a call that has a deadline.
   * - A status caused by another guard's rejection, an interrupt or a cancellation: ignored.
   * - UNAVAILABLE without a cause and with a description gRPC-java gives the calls of a channel
   *   that was shut down: ignored. gRPC uses the same code for a refused connection; those carry
   *   their I/O exception as cause and fall through to failureWhen.
   * - Anything else: failureWhen(status, trailers), through Outcome.classify.
   * A call whose start() throws (an interceptor further down failed before sending it) is
   * ignored, unless it was closed first.
   */

  /** Descriptions gRPC-java gives the statuses of calls closed by shutting their channel down. */
  private static final Set<String> SHUTDOWN =
      Set.of("Channel shutdown invoked", "Channel shutdownNow invoked");

  private static final ClientCall<Object, Object> NOOP =
      new ClientCall<>() {
        @Override
        public void start(Listener<Object> listener, Metadata headers) {}

        @Override
        public void request(int numMessages) {}

        @Override
        public void cancel(String message, Throwable cause) {}

        @Override
        public void halfClose() {}

        @Override
        public void sendMessage(Object message) {}

        @Override
        public boolean isReady() {
          return false;
        }

        @Override
        public String toString() {
          return "closed call";
        }
      };

  private static final VarHandle RECORDED;

  static {
    try {
      RECORDED =
          MethodHandles.lookup()
              .findVarHandle(GuardedCall.Closing.class, "recorded", boolean.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final Channel next;
  private final MethodDescriptor<ReqT, RespT> method;
  private final CallOptions callOptions;
  private final CircuitBreaker breaker;
  private final BiPredicate<? super Status, ? super Metadata> failureWhen;
  private volatile ClientCall<ReqT, RespT> call;
  /** Whether the caller cancelled this call. */
  private volatile boolean cancelled;

  GuardedCall(
      Channel next,
      MethodDescriptor<ReqT, RespT> method,
      CallOptions callOptions,
      CircuitBreaker breaker,
      BiPredicate<? super Status, ? super Metadata> failureWhen) {
    this.next = next;
    this.method = method;
    this.callOptions = callOptions;
    this.breaker = breaker;
    this.failureWhen = failureWhen;
  }

  @Override
  public void start(Listener<RespT> listener, Metadata headers) {
    Objects.requireNonNull(listener, "listener");
    Objects.requireNonNull(headers, "headers");
    if (call != null) {
      throw new IllegalStateException("call was already started or cancelled: " + call);
    }
    Context context = Context.current();
    try {
      breaker.allow();
    } catch (NotAllowedException rejected) {
      call = noop();
      breaker.markRejected();
      reject(listener, rejected, context);
      return;
    }
    Closing closing = new Closing(listener, context, unsendable(context));
    try {
      ClientCall<ReqT, RespT> real = next.newCall(method, callOptions);
      call = real;
      real.start(closing, headers);
    } catch (RuntimeException | Error e) {
      if (call == null) {
        call = noop();
      }
      closing.record(Outcome.IGNORED);
      throw e;
    }
  }

  /** Whether gRPC will close this call without sending it: its deadline passed, or its Context. */
  private boolean unsendable(Context context) {
    return context.isCancelled()
        || expired(callOptions.getDeadline())
        || expired(context.getDeadline());
  }

  private static boolean expired(Deadline deadline) {
    return deadline != null && deadline.isExpired();
  }

  /**
   * Closes a rejected call with the breaker's rejection: through the executor of the call options
   * if they name one, in the caller's Context (as gRPC closes calls it fails early), else here.
   */
  private void reject(Listener<RespT> listener, NotAllowedException rejected, Context context) {
    Metadata trailers = new Metadata();
    trailers.put(BackstopClientInterceptor.REASON, rejected.reason());
    Status status =
        Status.UNAVAILABLE.withDescription(rejected.getMessage()).withCause(rejected);
    Executor executor = callOptions.getExecutor();
    if (executor != null) {
      try {
        executor.execute(context.wrap(() -> listener.onClose(status, trailers)));
        return;
      } catch (RejectedExecutionException e) {
        // The caller's executor is shut down: the caller must still hear of its call.
      }
    }
    listener.onClose(status, trailers);
  }

  @Override
  public void cancel(String message, Throwable cause) {
    cancelled = true;
    ClientCall<ReqT, RespT> c = call;
    if (c == null) {
      call = noop();
    } else {
      c.cancel(message, cause);
    }
  }

  /** The real call's attributes once started; empty before, as gRPC's own calls' are. */
  @Override
  public Attributes getAttributes() {
    ClientCall<ReqT, RespT> c = call;
    return c == null ? Attributes.EMPTY : c.getAttributes();
  }

  @Override
  protected ClientCall<ReqT, RespT> delegate() {
    ClientCall<ReqT, RespT> c = call;
    if (c == null) {
      throw new IllegalStateException("call was not started");
    }
    return c;
  }

  @Override
  public String toString() {
    return "GuardedCall(" + method.getFullMethodName() + ", " + breaker + ")";
  }

  /** Whether {@code status} is one gRPC-java closes calls with when their channel shuts down. */
  static boolean shutdown(Status status) {
    String description = status.getDescription();
    return status.getCode() == Status.Code.UNAVAILABLE
        && status.getCause() == null
        && description != null
        && SHUTDOWN.contains(description);
  }

  @SuppressWarnings("unchecked")
  private static <ReqT, RespT> ClientCall<ReqT, RespT> noop() {
    return (ClientCall<ReqT, RespT>) (ClientCall<?, ?>) NOOP;
  }

  /** The caller's listener, plus recording the outcome once. */
  private final class Closing
      extends ForwardingClientCallListener.SimpleForwardingClientCallListener<RespT> {

    private final Context context;
    private final boolean unsendable;
    private volatile boolean recorded;

    Closing(Listener<RespT> listener, Context context, boolean unsendable) {
      super(listener);
      this.context = context;
      this.unsendable = unsendable;
    }

    @Override
    public void onClose(Status status, Metadata trailers) {
      try {
        if (!recorded) {
          record(classify(status, trailers));
        }
      } finally {
        super.onClose(status, trailers);
      }
    }

    private Outcome classify(Status status, Metadata trailers) {
      Status.Code code = status.getCode();
      if (code == Status.Code.CANCELLED && (cancelled || context.isCancelled())) {
        return Outcome.IGNORED;
      }
      if (unsendable
          && (code == Status.Code.DEADLINE_EXCEEDED || code == Status.Code.CANCELLED)) {
        return Outcome.IGNORED;
      }
      Throwable cause = status.getCause();
      if (cause != null ? Outcome.ignored(cause) : shutdown(status)) {
        return Outcome.IGNORED;
      }
      return Outcome.classify(failureWhen, status, trailers);
    }

    void record(Outcome outcome) {
      if (!recorded && RECORDED.compareAndSet(this, false, true)) {
        outcome.record(breaker);
      }
    }
  }
}
