package dev.backstop.grpc;

import static dev.backstop.grpc.EchoService.CHAT;
import static dev.backstop.grpc.EchoService.OTHER;
import static dev.backstop.grpc.EchoService.STREAM;
import static dev.backstop.grpc.EchoService.UNARY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.backstop.Backstop;
import dev.backstop.NotAllowedException;
import dev.backstop.testing.RecordingBreaker;
import dev.backstop.testing.RecordingBreaker.Counts;
import io.grpc.Attributes;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.Context;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiPredicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The call lifecycle over a real in-process server, with breakers that count every mark exactly.
 */
class BackstopClientInterceptorTest {

  private static final String DESCRIPTION = "request failed due to circuit breaker triggered";

  private Harness harness;
  private Backstop backstop;
  private Channel channel;

  @BeforeEach
  void setUp() throws Exception {
    harness = new Harness();
    backstop = harness.recording();
    channel = harness.guard(BackstopClientInterceptor.create(backstop));
  }

  @AfterEach
  void tearDown() throws Exception {
    harness.close();
  }

  // ---- building ---------------------------------------------------------------------------

  @Test
  void nullOptionsAreRejectedByName() {
    BackstopClientInterceptor.Builder builder = BackstopClientInterceptor.builder();
    assertThatThrownBy(() -> builder.backstop(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("backstop");
    assertThatThrownBy(() -> builder.operation(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("operation");
    assertThatThrownBy(() -> builder.failureWhen(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("failureWhen");
    assertThatThrownBy(() -> BackstopClientInterceptor.create(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("backstop");
  }

  @Test
  void createMakesItsOwnBackstopEachTime() {
    BackstopClientInterceptor a = BackstopClientInterceptor.create();
    BackstopClientInterceptor b = BackstopClientInterceptor.builder().build();
    Channel ca = harness.guard(a);
    Channel cb = harness.guard(b);

    assertThat(Harness.unary(ca, UNARY, "x").reply()).isEqualTo("echo:x");
    assertThat(Harness.unary(cb, OTHER, "y").reply()).isEqualTo("echo:y");

    // Each holds the breaker of its own method only.
    String expected =
        "BackstopClientInterceptor(operation=full method name, failureWhen=DEFAULT_FAILURE (code"
            + " UNKNOWN, DEADLINE_EXCEEDED, INTERNAL, UNAVAILABLE or DATA_LOSS), "
            + "Backstop(Group(size=1, maximumSize=10000)))";
    assertThat(a).hasToString(expected);
    assertThat(b).hasToString(expected);
  }

  @Test
  void operationIsTheFullMethodNameByDefault() {
    Harness.unary(channel, UNARY, "a");
    Harness.unary(channel, OTHER, "b");
    Harness.unary(channel, OTHER, "c");

    assertThat(harness.breakers.keySet())
        .containsExactlyInAnyOrder("test.Echo/Unary", "test.Echo/Other");
    assertThat(harness.breaker(UNARY).counts()).isEqualTo(new Counts(1, 1, 0, 0, 0));
    assertThat(harness.breaker(OTHER).counts()).isEqualTo(new Counts(2, 2, 0, 0, 0));
  }

  @Test
  void operationFunctionSeesMethodAndCallOptions() {
    CallOptions.Key<String> tenant = CallOptions.Key.create("tenant");
    Channel keyed =
        harness.guard(
            BackstopClientInterceptor.builder()
                .backstop(backstop)
                .operation(
                    (method, options) ->
                        method.getBareMethodName() + "@" + options.getOption(tenant))
                .build());

    ClientCalls.blockingUnaryCall(keyed, UNARY, CallOptions.DEFAULT.withOption(tenant, "a"), "1");
    ClientCalls.blockingUnaryCall(keyed, UNARY, CallOptions.DEFAULT.withOption(tenant, "b"), "2");
    ClientCalls.blockingUnaryCall(keyed, UNARY, CallOptions.DEFAULT.withOption(tenant, "b"), "3");

    assertThat(harness.breakers.keySet()).containsExactlyInAnyOrder("Unary@a", "Unary@b");
    assertThat(harness.breakers.get("Unary@a").counts()).isEqualTo(new Counts(1, 1, 0, 0, 0));
    assertThat(harness.breakers.get("Unary@b").counts()).isEqualTo(new Counts(2, 2, 0, 0, 0));
  }

  @Test
  void operationReturningNullFailsTheNewCall() {
    Channel keyed =
        harness.guard(
            BackstopClientInterceptor.builder()
                .backstop(backstop)
                .operation((method, options) -> null)
                .build());

    assertThatThrownBy(() -> keyed.newCall(UNARY, CallOptions.DEFAULT))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("operation returned null for method test.Echo/Unary");
    assertThat(harness.newCalls).hasValue(0);
  }

  // ---- classification ---------------------------------------------------------------------

  @Test
  void defaultFailuresAreTheServerTroubleCodes() {
    List<Status.Code> failures = new ArrayList<>();
    List<Status.Code> successes = new ArrayList<>();
    for (Status.Code code : Status.Code.values()) {
      harness.service.answer = n -> code.toStatus().withDescription("told to");
      int failedBefore = failedSoFar();
      Harness.Outcome outcome = Harness.unary(channel, UNARY, "x");
      assertThat(outcome.status().getCode()).isEqualTo(code);
      (failedSoFar() > failedBefore ? failures : successes).add(code);
    }

    assertThat(failures)
        .containsExactly(
            Status.Code.UNKNOWN,
            Status.Code.DEADLINE_EXCEEDED,
            Status.Code.INTERNAL,
            Status.Code.UNAVAILABLE,
            Status.Code.DATA_LOSS);
    assertThat(successes).hasSize(Status.Code.values().length - 5).contains(Status.Code.OK);
    assertThat(harness.breaker(UNARY).counts()).isEqualTo(new Counts(17, 12, 5, 0, 0));
    assertThat(harness.service.received()).isEqualTo(17);
  }

  private int failedSoFar() {
    RecordingBreaker breaker = harness.breaker(UNARY);
    return breaker == null ? 0 : breaker.counts().failures();
  }

  @Test
  void failureWhenReplacesTheDefault() {
    Channel strict =
        harness.guard(
            BackstopClientInterceptor.builder()
                .backstop(backstop)
                .failureWhen((status, trailers) -> status.getCode() == Status.Code.NOT_FOUND)
                .build());
    harness.service.answer = n -> n == 0 ? Status.NOT_FOUND : Status.UNAVAILABLE;

    assertThat(Harness.unary(strict, UNARY, "x").status().getCode())
        .isEqualTo(Status.Code.NOT_FOUND);
    assertThat(Harness.unary(strict, UNARY, "x").status().getCode())
        .isEqualTo(Status.Code.UNAVAILABLE);

    assertThat(harness.breaker(UNARY).counts()).isEqualTo(new Counts(2, 1, 1, 0, 0));
  }

  @Test
  void failureWhenThatThrowsCountsAFailureAndLeavesTheCallAlone() {
    Channel broken =
        harness.guard(
            BackstopClientInterceptor.builder()
                .backstop(backstop)
                .failureWhen(
                    (status, trailers) -> {
                      throw new IllegalStateException("predicate bug");
                    })
                .build());

    assertThat(Harness.unary(broken, UNARY, "x").reply()).isEqualTo("echo:x");
    assertThat(harness.breaker(UNARY).counts()).isEqualTo(new Counts(1, 0, 1, 0, 0));
  }

  @Test
  void failureWhenSeesTheTrailers() {
    Metadata.Key<String> overloaded =
        Metadata.Key.of("overloaded", Metadata.ASCII_STRING_MARSHALLER);
    Channel byTrailer =
        harness.guard(
            BackstopClientInterceptor.builder()
                .backstop(backstop)
                .failureWhen(
                    BackstopClientInterceptor.DEFAULT_FAILURE.or(
                        (status, trailers) -> "yes".equals(trailers.get(overloaded))))
                .build());
    harness.service.answer = n -> Status.RESOURCE_EXHAUSTED;

    assertThat(Harness.unary(byTrailer, UNARY, "x").status().getCode())
        .isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    Metadata trailers = new Metadata();
    trailers.put(overloaded, "yes");
    harness.service.trailers = trailers;
    assertThat(Harness.unary(byTrailer, UNARY, "x").trailers().get(overloaded)).isEqualTo("yes");

    assertThat(harness.breaker(UNARY).counts()).isEqualTo(new Counts(2, 1, 1, 0, 0));
  }

  @Test
  void aCancelledStatusFromTheServerGoesThroughFailureWhen() {
    harness.service.answer = n -> Status.CANCELLED.withDescription("the server gave up");
    Channel strict =
        harness.guard(
            BackstopClientInterceptor.builder()
                .backstop(backstop)
                .failureWhen((status, trailers) -> !status.isOk())
                .build());

    assertThat(Harness.unary(channel, UNARY, "x").status().getCode())
        .isEqualTo(Status.Code.CANCELLED);
    assertThat(Harness.unary(strict, UNARY, "x").status().getCode())
        .isEqualTo(Status.Code.CANCELLED);

    // Only the caller's own cancel is ignored; the server's is an answer like any other.
    assertThat(harness.breaker(UNARY).counts()).isEqualTo(new Counts(2, 1, 1, 0, 0));
  }

  @Test
  void theDefaultFailure() {
    BiPredicate<Status, Metadata> failure = BackstopClientInterceptor.DEFAULT_FAILURE;
    assertThat(failure.test(Status.UNAVAILABLE, new Metadata())).isTrue();
    assertThat(failure.test(Status.RESOURCE_EXHAUSTED, new Metadata())).isFalse();
    assertThat(failure)
        .hasToString(
            "DEFAULT_FAILURE (code UNKNOWN, DEADLINE_EXCEEDED, INTERNAL, UNAVAILABLE or"
                + " DATA_LOSS)");
  }

  // ---- rejection --------------------------------------------------------------------------

  @Test
  void rejectedCallsFailInEveryStubKindWithoutReachingTheChannel() throws Exception {
    for (MethodDescriptor<?, ?> method : List.of(UNARY, STREAM, CHAT)) {
      backstop.breaker(method.getFullMethodName());
      harness.breaker(method).rejectAll();
    }
    List<Throwable> seen = new ArrayList<>();

    // blocking stub
    seen.add(Harness.unaryError(channel, UNARY));
    // future stub
    Future<String> future =
        ClientCalls.futureUnaryCall(channel.newCall(UNARY, CallOptions.DEFAULT), "x");
    Throwable futureError = catchThrowable(() -> future.get(5, TimeUnit.SECONDS));
    assertThat(futureError).isInstanceOf(ExecutionException.class);
    seen.add(futureError.getCause());
    // async stub
    Recorder unaryObserver = new Recorder();
    ClientCalls.asyncUnaryCall(channel.newCall(UNARY, CallOptions.DEFAULT), "x", unaryObserver);
    seen.add(unaryObserver.error());
    // blocking server-streaming stub
    Iterator<String> stream =
        ClientCalls.blockingServerStreamingCall(channel, STREAM, CallOptions.DEFAULT, "3");
    seen.add(catchThrowable(stream::hasNext));
    // async bidi stub
    Recorder chatObserver = new Recorder();
    StreamObserver<String> requests =
        ClientCalls.asyncBidiStreamingCall(
            channel.newCall(CHAT, CallOptions.DEFAULT), chatObserver);
    requests.onNext("ignored");
    requests.onCompleted();
    seen.add(chatObserver.error());

    assertThat(seen).hasSize(5);
    for (Throwable t : seen) {
      assertRejected(t);
    }
    assertThat(((NotAllowedException) seen.get(3).getCause()).operation())
        .isEqualTo("test.Echo/Stream");
    assertThat(harness.breaker(UNARY).counts()).isEqualTo(new Counts(0, 0, 0, 0, 3));
    assertThat(harness.breaker(STREAM).counts()).isEqualTo(new Counts(0, 0, 0, 0, 1));
    assertThat(harness.breaker(CHAT).counts()).isEqualTo(new Counts(0, 0, 0, 0, 1));
    assertThat(harness.newCalls).hasValue(0);
    assertThat(harness.service.received()).isZero();
    assertThat(chatObserver.messages).isEmpty();
  }

  static void assertRejected(Throwable t) {
    assertThat(t).isInstanceOf(StatusRuntimeException.class);
    StatusRuntimeException e = (StatusRuntimeException) t;
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(e.getStatus().getDescription()).isEqualTo(DESCRIPTION);
    assertThat(e.getStatus().getCause()).isInstanceOf(NotAllowedException.class);
    assertThat(e.getCause()).isSameAs(e.getStatus().getCause());
    assertThat(e.getTrailers().get(BackstopClientInterceptor.REASON)).isEqualTo("CIRCUITBREAKER");
    assertThat(e).hasMessage("UNAVAILABLE: " + DESCRIPTION);
  }

  @Test
  void aRejectedCallClosesInsideStartAndIgnoresWhatFollows() {
    backstop.breaker(UNARY.getFullMethodName());
    harness.breaker(UNARY).rejectAll();
    ClientCall<String, String> call = channel.newCall(UNARY, CallOptions.DEFAULT);
    Closes closes = new Closes();

    call.start(closes, new Metadata());
    assertThat(closes.statuses).hasSize(1);
    call.request(1);
    call.sendMessage("x");
    call.halfClose();
    call.cancel("late", null);

    assertThat(closes.statuses).hasSize(1);
    assertThat(closes.statuses.get(0).getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(call.isReady()).isFalse();
    assertThat(harness.breaker(UNARY).counts()).isEqualTo(new Counts(0, 0, 0, 0, 1));
    assertThat(harness.newCalls).hasValue(0);
  }

  @Test
  void aRejectedCallIsClosedThroughTheExecutorOfItsCallOptions() {
    backstop.breaker(UNARY.getFullMethodName());
    harness.breaker(UNARY).rejectAll();
    List<Runnable> tasks = new ArrayList<>();
    ClientCall<String, String> call =
        channel.newCall(UNARY, CallOptions.DEFAULT.withExecutor(tasks::add));
    Closes closes = new Closes();

    call.start(closes, new Metadata());

    assertThat(closes.statuses).isEmpty(); // not on the caller's thread, inside start
    assertThat(tasks).hasSize(1);
    tasks.get(0).run();
    assertThat(closes.statuses)
        .extracting(Status::getCode)
        .containsExactly(Status.Code.UNAVAILABLE);
    assertThat(harness.breaker(UNARY).counts()).isEqualTo(new Counts(0, 0, 0, 0, 1));
  }

  @Test
  void aRejectedCallIsClosedOnTheCallersContext() throws Exception {
    backstop.breaker(UNARY.getFullMethodName());
    harness.breaker(UNARY).rejectAll();
    Context.Key<String> tenant = Context.key("tenant");
    ExecutorService executor = Executors.newSingleThreadExecutor();
    try {
      CompletableFuture<String> seen = new CompletableFuture<>();
      Context.current()
          .withValue(tenant, "a")
          .run(
              () ->
                  channel
                      .newCall(UNARY, CallOptions.DEFAULT.withExecutor(executor))
                      .start(
                          new ClientCall.Listener<>() {
                            @Override
                            public void onClose(Status status, Metadata trailers) {
                              seen.complete(tenant.get() + " " + status.getCode());
                            }
                          },
                          new Metadata()));
      assertThat(seen.get(5, TimeUnit.SECONDS)).isEqualTo("a UNAVAILABLE");
    } finally {
      executor.shutdownNow();
    }
  }

  @Test
  void nestedGuardsOnOneBackstopCountAnInnerRejectionOnce() {
    backstop.breaker(UNARY.getFullMethodName());
    harness.breaker(UNARY).rejectWhen(n -> n % 2 == 1); // the inner guard's turn
    // A channel interceptor (inner) and a stub interceptor (outer) sharing one Backstop.
    Channel nested =
        ClientInterceptors.intercept(
            harness.guard(BackstopClientInterceptor.create(backstop)),
            BackstopClientInterceptor.create(backstop));

    assertRejected(Harness.unaryError(nested, UNARY));

    // The outer guard let the call through and the inner one shed it: one rejection, and the
    // outer guard's call ignored, not a failure of the backend.
    assertThat(harness.breaker(UNARY).counts()).isEqualTo(new Counts(1, 0, 0, 1, 1));
    assertThat(harness.newCalls).hasValue(0);
  }

  @Test
  void theDefaultMarkRejectedCountsARejectionAsAFailure() {
    AtomicInteger failed = new AtomicInteger();
    dev.backstop.CircuitBreaker refusing =
        new dev.backstop.CircuitBreaker() {
          @Override
          public void allow() {
            throw new NotAllowedException("refusing");
          }

          @Override
          public void markSuccess() {}

          @Override
          public void markFailed() {
            failed.incrementAndGet();
          }
        };
    Channel refused =
        harness.guard(
            BackstopClientInterceptor.create(
                Backstop.builder().breakers(op -> refusing).build()));

    assertThat(Harness.unary(refused, UNARY, "x").local()).isTrue();
    assertThat(Harness.unary(refused, UNARY, "x").local()).isTrue();

    assertThat(failed).hasValue(2);
    assertThat(harness.newCalls).hasValue(0);
  }

  // ---- outcome recorded once --------------------------------------------------------------

  @Test
  void serverStreamingIsRecordedOnceWhenItCloses() throws Exception {
    List<String> messages = new ArrayList<>();
    ClientCalls.blockingServerStreamingCall(channel, STREAM, CallOptions.DEFAULT, "5")
        .forEachRemaining(messages::add);
    assertThat(messages).containsExactly("0", "1", "2", "3", "4");
    assertThat(harness.breaker(STREAM).counts()).isEqualTo(new Counts(1, 1, 0, 0, 0));

    harness.service.answer = n -> Status.INTERNAL;
    Recorder observer = new Recorder();
    ClientCalls.asyncServerStreamingCall(
        channel.newCall(STREAM, CallOptions.DEFAULT), "3", observer);
    assertThat(((StatusRuntimeException) observer.error()).getStatus().getCode())
        .isEqualTo(Status.Code.INTERNAL);
    assertThat(observer.messages).containsExactly("0", "1", "2");
    assertThat(harness.breaker(STREAM).counts()).isEqualTo(new Counts(2, 1, 1, 0, 0));
  }

  @Test
  void bidiStreamingIsRecordedOnceWhenItCloses() throws Exception {
    Recorder observer = new Recorder();
    StreamObserver<String> requests =
        ClientCalls.asyncBidiStreamingCall(channel.newCall(CHAT, CallOptions.DEFAULT), observer);
    requests.onNext("a");
    requests.onNext("b");
    assertThat(harness.breaker(CHAT).counts()).isEqualTo(new Counts(1, 0, 0, 0, 0));
    requests.onNext("c");
    requests.onCompleted();
    observer.completed.get(5, TimeUnit.SECONDS);
    assertThat(observer.messages).containsExactly("echo:a", "echo:b", "echo:c");
    assertThat(harness.breaker(CHAT).counts()).isEqualTo(new Counts(1, 1, 0, 0, 0));

    harness.service.answer = n -> Status.DATA_LOSS;
    Recorder failing = new Recorder();
    StreamObserver<String> more =
        ClientCalls.asyncBidiStreamingCall(channel.newCall(CHAT, CallOptions.DEFAULT), failing);
    more.onNext("d");
    more.onCompleted();
    assertThat(((StatusRuntimeException) failing.error()).getStatus().getCode())
        .isEqualTo(Status.Code.DATA_LOSS);
    assertThat(failing.messages).containsExactly("echo:d");
    assertThat(harness.breaker(CHAT).counts()).isEqualTo(new Counts(2, 1, 1, 0, 0));
  }

  @Test
  void aClientCancelIsIgnored() throws Exception {
    ClientCall<String, String> call = channel.newCall(UNARY, CallOptions.DEFAULT);
    Closes closes = new Closes();
    call.start(closes, new Metadata());
    call.sendMessage("hang");
    call.halfClose();
    call.request(1);
    assertThat(harness.service.hung.await(5, TimeUnit.SECONDS)).isTrue();
    assertThat(harness.breaker(UNARY).counts()).isEqualTo(new Counts(1, 0, 0, 0, 0));

    call.cancel("user gave up", null);

    assertThat(closes.closed.await(5, TimeUnit.SECONDS)).isTrue();
    assertThat(closes.statuses).hasSize(1);
    assertThat(closes.statuses.get(0).getCode()).isEqualTo(Status.Code.CANCELLED);
    assertThat(closes.statuses.get(0).getDescription()).isEqualTo("user gave up");
    assertThat(harness.service.cancelled.await(5, TimeUnit.SECONDS)).isTrue();
    assertThat(harness.breaker(UNARY).counts()).isEqualTo(new Counts(1, 0, 0, 1, 0));
  }

  @Test
  void cancellingAFutureStubCallIsIgnoredWhateverFailureWhenSays() throws Exception {
    Channel cancelIsFailure =
        harness.guard(
            BackstopClientInterceptor.builder()
                .backstop(backstop)
                .failureWhen((status, trailers) -> !status.isOk())
                .build());
    Future<String> future =
        ClientCalls.futureUnaryCall(cancelIsFailure.newCall(UNARY, CallOptions.DEFAULT), "hang");
    assertThat(harness.service.hung.await(5, TimeUnit.SECONDS)).isTrue();

    assertThat(future.cancel(true)).isTrue();

    assertThat(harness.service.cancelled.await(5, TimeUnit.SECONDS)).isTrue();
    assertThat(harness.breaker(UNARY).awaitMarks(1, Duration.ofSeconds(5)))
        .isEqualTo(new Counts(1, 0, 0, 1, 0));
  }

  @Test
  void cancellingABidiCallIsIgnoredOnce() throws Exception {
    Recorder observer = new Recorder();
    ClientCallStreamObserver<String> requests =
        (ClientCallStreamObserver<String>)
            ClientCalls.asyncBidiStreamingCall(
                channel.newCall(CHAT, CallOptions.DEFAULT), observer);
    requests.onNext("a");
    assertThat(observer.first.get(5, TimeUnit.SECONDS)).isEqualTo("echo:a");

    requests.cancel("done early", null);

    assertThat(((StatusRuntimeException) observer.error()).getStatus().getCode())
        .isEqualTo(Status.Code.CANCELLED);
    assertThat(harness.service.cancelled.await(5, TimeUnit.SECONDS)).isTrue();
    assertThat(harness.breaker(CHAT).counts()).isEqualTo(new Counts(1, 0, 0, 1, 0));
  }

  @Test
  void aDeadlinePassingWhileTheServerWorksCountsAsAFailure() {
    CallOptions shortDeadline = CallOptions.DEFAULT.withDeadlineAfter(100, TimeUnit.MILLISECONDS);

    assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(channel, UNARY, shortDeadline, "hang"))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));

    // Whether the server saw the call before the deadline depends on scheduling; the outcome
    // does not.
    assertThat(harness.breaker(UNARY).counts()).isEqualTo(new Counts(1, 0, 1, 0, 0));
  }

  @Test
  void cancelBeforeStartAsksNothingAndSendsNothing() {
    ClientCall<String, String> call = channel.newCall(UNARY, CallOptions.DEFAULT);

    assertThatThrownBy(() -> call.request(1))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("call was not started");
    call.cancel("never mind", null);
    assertThatThrownBy(() -> call.start(new Closes(), new Metadata()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("call was already started or cancelled: closed call");

    assertThat(harness.breaker(UNARY).counts()).isEqualTo(new Counts(0, 0, 0, 0, 0));
    assertThat(harness.newCalls).hasValue(0);
  }

  @Test
  void startingTwiceFailsWithoutASecondCall() throws Exception {
    ClientCall<String, String> call = channel.newCall(UNARY, CallOptions.DEFAULT);
    Closes closes = new Closes();
    call.start(closes, new Metadata());

    assertThatThrownBy(() -> call.start(new Closes(), new Metadata()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("call was already started or cancelled: ");
    call.sendMessage("x");
    call.halfClose();
    call.request(1);

    assertThat(closes.closed.await(5, TimeUnit.SECONDS)).isTrue();
    assertThat(closes.statuses.get(0).isOk()).isTrue();
    assertThat(harness.breaker(UNARY).counts()).isEqualTo(new Counts(1, 1, 0, 0, 0));
    assertThat(harness.newCalls).hasValue(1);
  }

  @Test
  void aStartThatThrowsIsIgnored() {
    Channel broken = brokenBelow(false);

    assertThatThrownBy(() -> Harness.unary(broken, UNARY, "x"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("start broke");

    assertThat(harness.breaker(UNARY).counts()).isEqualTo(new Counts(1, 0, 0, 1, 0));
  }

  @Test
  void anInterceptorThatThrowsFromInterceptCallIsIgnored() {
    ClientInterceptor broken =
        new ClientInterceptor() {
          @Override
          public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(
              MethodDescriptor<ReqT, RespT> method, CallOptions options, Channel next) {
            throw new IllegalStateException("interceptor bug");
          }
        };
    Channel buggy =
        ClientInterceptors.intercept(
            harness.channel(), broken, BackstopClientInterceptor.create(backstop));

    assertThatThrownBy(() -> Harness.unary(buggy, UNARY, "x"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("interceptor bug");

    assertThat(harness.breaker(UNARY).counts()).isEqualTo(new Counts(1, 0, 0, 1, 0));
    assertThat(harness.service.received()).isZero();
  }

  @Test
  void anInterruptedBlockingCallIsIgnored() throws Exception {
    CompletableFuture<Throwable> thrown = new CompletableFuture<>();
    Thread caller =
        new Thread(
            () -> {
              try {
                ClientCalls.blockingUnaryCall(channel, UNARY, CallOptions.DEFAULT, "hang");
                thrown.complete(null);
              } catch (Throwable t) {
                thrown.complete(t);
              }
            });
    caller.start();
    assertThat(harness.service.hung.await(5, TimeUnit.SECONDS)).isTrue();

    caller.interrupt();

    assertThat(thrown.get(5, TimeUnit.SECONDS))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.CANCELLED));
    assertThat(harness.breaker(UNARY).awaitMarks(1, Duration.ofSeconds(5)))
        .isEqualTo(new Counts(1, 0, 0, 1, 0));
  }

  @Test
  void getAttributesBeforeStartIsEmptyAsOnGrpcsOwnCalls() {
    ClientCall<String, String> plain = harness.channel().newCall(UNARY, CallOptions.DEFAULT);
    ClientCall<String, String> guarded = channel.newCall(UNARY, CallOptions.DEFAULT);

    assertThat(plain.getAttributes()).isEqualTo(Attributes.EMPTY);
    assertThat(guarded.getAttributes()).isEqualTo(Attributes.EMPTY);
    guarded.start(new Closes(), new Metadata());
    assertThat(guarded.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR)).isNotNull();
    guarded.cancel("done", null);
  }

  @Test
  void aStartThatClosesAndThenThrowsIsRecordedOnce() {
    Channel broken = brokenBelow(true);
    Closes closes = new Closes();
    ClientCall<String, String> call = broken.newCall(UNARY, CallOptions.DEFAULT);

    assertThatThrownBy(() -> call.start(closes, new Metadata()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("start broke");

    assertThat(closes.statuses)
        .extracting(Status::getCode)
        .containsExactly(Status.Code.INVALID_ARGUMENT);
    // The close came first and was classified by its own status: INVALID_ARGUMENT is a success.
    assertThat(harness.breaker(UNARY).counts()).isEqualTo(new Counts(1, 1, 0, 0, 0));
  }

  /** The guarded channel, with an interceptor below the breaker whose start() throws. */
  private Channel brokenBelow(boolean closeFirst) {
    ClientInterceptor breaking =
        new ClientInterceptor() {
          @Override
          public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(
              MethodDescriptor<ReqT, RespT> method, CallOptions options, Channel next) {
            return new ForwardingClientCall.SimpleForwardingClientCall<>(
                next.newCall(method, options)) {
              @Override
              public void start(Listener<RespT> listener, Metadata headers) {
                if (closeFirst) {
                  listener.onClose(Status.INVALID_ARGUMENT, new Metadata());
                }
                throw new IllegalStateException("start broke");
              }
            };
          }
        };
    return ClientInterceptors.intercept(
        harness.channel(), breaking, BackstopClientInterceptor.create(backstop));
  }

  @Test
  void aSecondCloseIsPassedOnButNotRecorded() throws Exception {
    ClientInterceptor closingTwice =
        new ClientInterceptor() {
          @Override
          public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(
              MethodDescriptor<ReqT, RespT> method, CallOptions options, Channel next) {
            return new ForwardingClientCall.SimpleForwardingClientCall<>(
                next.newCall(method, options)) {
              @Override
              public void start(Listener<RespT> listener, Metadata headers) {
                super.start(new ClosingTwice<>(listener), headers);
              }
            };
          }
        };
    Channel twice =
        ClientInterceptors.intercept(
            harness.channel(), closingTwice, BackstopClientInterceptor.create(backstop));
    ClientCall<String, String> call = twice.newCall(UNARY, CallOptions.DEFAULT);
    Closes closes = new Closes();

    call.start(closes, new Metadata());
    call.sendMessage("x");
    call.halfClose();
    call.request(1);

    assertThat(closes.closed.await(5, TimeUnit.SECONDS)).isTrue();
    assertThat(closes.statuses)
        .extracting(Status::getCode)
        .containsExactly(Status.Code.OK, Status.Code.INTERNAL);
    assertThat(harness.breaker(UNARY).counts()).isEqualTo(new Counts(1, 1, 0, 0, 0));
  }

  // ---- concurrency ------------------------------------------------------------------------

  @Test
  void concurrentCallsLoseNoMark() throws Exception {
    int threads = 8;
    int calls = 250;
    backstop.breaker(UNARY.getFullMethodName());
    harness.breaker(UNARY).rejectWhen(n -> n % 3 == 2);
    harness.service.answer = n -> n % 2 == 0 ? Status.OK : Status.UNAVAILABLE;
    AtomicInteger ok = new AtomicInteger();
    AtomicInteger remote = new AtomicInteger();
    AtomicInteger local = new AtomicInteger();
    CountDownLatch go = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        done.add(
            pool.submit(
                () -> {
                  go.await();
                  for (int i = 0; i < calls; i++) {
                    Harness.Outcome outcome = Harness.unary(channel, UNARY, "x");
                    if (outcome.status().isOk()) {
                      ok.incrementAndGet();
                    } else if (outcome.local()) {
                      local.incrementAndGet();
                    } else {
                      remote.incrementAndGet();
                    }
                  }
                  return null;
                }));
      }
      go.countDown();
      for (Future<?> f : done) {
        f.get(30, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }

    int total = threads * calls;
    int rejected = 666; // n % 3 == 2 for n in [0, 2000)
    RecordingBreaker breaker = harness.breaker(UNARY);
    assertThat(breaker.counts())
        .isEqualTo(new Counts(total - rejected, ok.get(), remote.get(), 0, rejected));
    assertThat(local).hasValue(rejected);
    assertThat(harness.service.received()).isEqualTo(total - rejected);
    assertThat(harness.newCalls).hasValue(total - rejected);
    assertThat(ok.get() + remote.get()).isEqualTo(total - rejected);
    assertThat(ok.get()).isEqualTo((total - rejected + 1) / 2);
  }

  // ---- helpers ----------------------------------------------------------------------------

  /** Passes every close on, then closes again with INTERNAL. */
  private static final class ClosingTwice<T>
      extends ForwardingClientCallListener.SimpleForwardingClientCallListener<T> {
    ClosingTwice(ClientCall.Listener<T> listener) {
      super(listener);
    }

    @Override
    public void onClose(Status status, Metadata trailers) {
      super.onClose(status, trailers);
      super.onClose(Status.INTERNAL, new Metadata());
    }
  }

  /** A listener that keeps every status it is closed with. */
  static final class Closes extends ClientCall.Listener<String> {
    final List<Status> statuses = Collections.synchronizedList(new ArrayList<>());
    final CountDownLatch closed = new CountDownLatch(1);

    @Override
    public void onClose(Status status, Metadata trailers) {
      statuses.add(status);
      closed.countDown();
    }
  }

  /** A stream observer that keeps messages and the way the stream ended. */
  static final class Recorder implements StreamObserver<String> {
    final List<String> messages = Collections.synchronizedList(new ArrayList<>());
    final CompletableFuture<String> first = new CompletableFuture<>();
    final CompletableFuture<Void> completed = new CompletableFuture<>();

    @Override
    public void onNext(String value) {
      messages.add(value);
      first.complete(value);
    }

    @Override
    public void onError(Throwable t) {
      completed.completeExceptionally(t);
    }

    @Override
    public void onCompleted() {
      completed.complete(null);
    }

    /** Waits for the stream to fail and returns the error; fails if it completes instead. */
    Throwable error() throws InterruptedException {
      try {
        completed.get(5, TimeUnit.SECONDS);
      } catch (ExecutionException e) {
        return e.getCause();
      } catch (java.util.concurrent.TimeoutException e) {
        throw new AssertionError("stream did not end", e);
      }
      throw new AssertionError("stream completed normally");
    }
  }
}
