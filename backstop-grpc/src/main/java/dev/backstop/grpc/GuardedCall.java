package dev.backstop.grpc;

import dev.backstop.CircuitBreaker;
import dev.backstop.NotAllowedException;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * A call guarded by one breaker: made by {@link BackstopClientInterceptor} for every new call.
 *
 * <p>Not thread-safe, like every {@link ClientCall}, except that {@link #request(int)} may be
 * called from any thread once the call has started.
 */
final class GuardedCall<ReqT, RespT> extends ForwardingClientCall<ReqT, RespT> {

  /*
   * How it works.
   *
   * The real call is created only in start(), after the breaker has allowed it, so a rejected call
   * never reaches the next channel. Until then `call` is null; after start() (or a cancel()
   * before it) it holds the real call, or NOOP for a call that was rejected or cancelled before
   * start. `call` is volatile because request() may come from another thread.
   *
   * An allowed call is wrapped in one Outcome listener, which records the outcome in onClose.
   * gRPC promises one onClose per call, but an interceptor further down may break that promise or
   * close the listener and then throw from start(), so Outcome claims the right to record with a
   * CAS on a boolean: whichever of onClose and the start() failure path comes first records, any
   * later close is passed on to the caller's listener but not recorded again. The two objects
   * (this call and its Outcome) are the only per-call allocations on the allowed path.
   */

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
              .findVarHandle(GuardedCall.Outcome.class, "recorded", boolean.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final Channel next;
  private final MethodDescriptor<ReqT, RespT> method;
  private final CallOptions callOptions;
  private final CircuitBreaker breaker;
  private final Predicate<? super Status> failureWhen;
  private volatile ClientCall<ReqT, RespT> call;

  GuardedCall(
      Channel next,
      MethodDescriptor<ReqT, RespT> method,
      CallOptions callOptions,
      CircuitBreaker breaker,
      Predicate<? super Status> failureWhen) {
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
    try {
      breaker.allow();
    } catch (NotAllowedException rejected) {
      call = noop();
      breaker.markRejected();
      Metadata trailers = new Metadata();
      trailers.put(BackstopClientInterceptor.REASON, rejected.reason());
      listener.onClose(
          Status.UNAVAILABLE.withDescription(rejected.getMessage()).withCause(rejected), trailers);
      return;
    }
    Outcome outcome = new Outcome(listener);
    try {
      ClientCall<ReqT, RespT> real = next.newCall(method, callOptions);
      call = real;
      real.start(outcome, headers);
    } catch (RuntimeException | Error e) {
      if (call == null) {
        call = noop();
      }
      outcome.record(Status.fromThrowable(e));
      throw e;
    }
  }

  @Override
  public void cancel(String message, Throwable cause) {
    ClientCall<ReqT, RespT> c = call;
    if (c == null) {
      call = noop();
    } else {
      c.cancel(message, cause);
    }
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

  @SuppressWarnings("unchecked")
  private static <ReqT, RespT> ClientCall<ReqT, RespT> noop() {
    return (ClientCall<ReqT, RespT>) (ClientCall<?, ?>) NOOP;
  }

  /** The caller's listener, plus recording the outcome once. */
  private final class Outcome
      extends ForwardingClientCallListener.SimpleForwardingClientCallListener<RespT> {

    private volatile boolean recorded;

    Outcome(Listener<RespT> listener) {
      super(listener);
    }

    @Override
    public void onClose(Status status, Metadata trailers) {
      try {
        record(status);
      } finally {
        super.onClose(status, trailers);
      }
    }

    void record(Status status) {
      if (recorded || !RECORDED.compareAndSet(this, false, true)) {
        return;
      }
      boolean failed = true;
      try {
        failed = failureWhen.test(status);
      } catch (RuntimeException e) {
        System.getLogger(BackstopClientInterceptor.class.getName())
            .log(
                System.Logger.Level.WARNING,
                "failureWhen threw for " + status + "; counting the call as a failure",
                e);
      }
      if (failed) {
        breaker.markFailed();
      } else {
        breaker.markSuccess();
      }
    }
  }
}
