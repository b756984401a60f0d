package dev.backstop.benchmarks;

import dev.backstop.Backstop;
import dev.backstop.SreBreaker;
import dev.backstop.reactor.BackstopOperator;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The asynchronous paths: {@link Backstop#callAsync} and the Reactor operator, healthy and
 * shedding, each beside a baseline that does the same work without Backstop, so that the cost of
 * Backstop is the difference and allocations per call ({@code -prof gc}) compare directly.
 *
 * <ul>
 *   <li>{@code stageBaseline}: the action's stage and the one dependent stage {@code callAsync}
 *       attaches to it, without a breaker; {@code callAsyncHealthy} and {@code callAsyncShed} are
 *       {@code callAsync} with an action that returns a completed future, on an open breaker and on
 *       one that rejects nearly every call.
 *   <li>{@code monoBaseline} and {@code fluxBaseline}: a subscription to {@code Mono.just} or a
 *       three-element {@code Flux.just} through {@code transformDeferred} with the identity;
 *       {@code monoHealthy}, {@code monoShed} and {@code fluxHealthy} the same through {@link
 *       BackstopOperator}.
 * </ul>
 *
 * <p>Thread-safe: the shared states are thread-safe Backstop and Reactor objects; each thread has
 * its own subscriber.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class AsyncBenchmarks {

  private static final String OPERATION = "users.get";

  /** A Backstop of default breakers whose backend accepts everything. */
  @State(Scope.Benchmark)
  public static class Healthy {
    final Backstop backstop = Backstop.create();
    final CompletableFuture<String> answer = CompletableFuture.completedFuture("ok");
    final Supplier<CompletionStage<String>> action = () -> answer;
    final BiConsumer<String, Throwable> noop = (v, e) -> {};
    final Mono<String> mono =
        Mono.just("ok").transformDeferred(BackstopOperator.of(backstop, OPERATION));
    final Mono<String> plainMono = Mono.just("ok").transformDeferred(Function.identity());
    final Flux<String> flux =
        Flux.just("a", "b", "c").transformDeferred(BackstopOperator.of(backstop, OPERATION));
    final Flux<String> plainFlux = Flux.just("a", "b", "c").transformDeferred(Function.identity());
  }

  /**
   * A Backstop whose one breaker has seen its backend fail every request, so that it rejects
   * nearly every call. Setup and every iteration's teardown check that it really does.
   */
  @State(Scope.Benchmark)
  public static class Shedding {
    final SreBreaker breaker = SreBreaker.create();
    final Backstop backstop = Backstop.builder().breakers(op -> breaker).build();
    final CompletableFuture<String> answer =
        CompletableFuture.failedFuture(new IllegalStateException("backend down"));
    final Supplier<CompletionStage<String>> action = () -> answer;
    final Mono<String> mono =
        Mono.<String>error(new IllegalStateException("backend down"))
            .transformDeferred(BackstopOperator.of(backstop, OPERATION));

    /** Drives the breaker into rejection, then checks it rejects. */
    @Setup(Level.Trial)
    public void fill() {
      BackstopBenchmarks.rejectShare(breaker, 10_000);
      BackstopBenchmarks.checkShedding(breaker, "after filling");
    }

    /** Checks, after each iteration, that the breaker still rejects nearly every call. */
    @TearDown(Level.Iteration)
    public void stillShedding() {
      BackstopBenchmarks.checkShedding(breaker, "after an iteration");
    }
  }

  /** A subscriber per thread that requests everything and keeps what it receives. */
  @State(Scope.Thread)
  public static class Sink implements CoreSubscriber<Object> {
    Object last;
    long signals;

    @Override
    public void onSubscribe(Subscription s) {
      s.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(Object value) {
      last = value;
    }

    @Override
    public void onError(Throwable error) {
      last = error;
    }

    @Override
    public void onComplete() {
      signals++;
    }
  }

  /** The action's stage with one dependent stage, as callAsync builds it, without a breaker. */
  @Benchmark
  public CompletableFuture<String> stageBaseline(Healthy s) {
    return s.action.get().whenComplete(s.noop).toCompletableFuture();
  }

  /** {@link Backstop#callAsync} of a completed stage: lookup, allow, stage, success. */
  @Benchmark
  public CompletableFuture<String> callAsyncHealthy(Healthy s) {
    return s.backstop.callAsync(OPERATION, s.action);
  }

  /** {@link Backstop#callAsync} on a breaker that rejects nearly every call. */
  @Benchmark
  public CompletableFuture<String> callAsyncShed(Shedding s) {
    return s.backstop.callAsync(OPERATION, s.action);
  }

  /** A subscription to {@code Mono.just} through {@code transformDeferred(identity)}. */
  @Benchmark
  public Object monoBaseline(Healthy s, Sink sink) {
    s.plainMono.subscribe(sink);
    return sink.last;
  }

  /** A subscription to {@code Mono.just} through the operator: lookup, allow, success. */
  @Benchmark
  public Object monoHealthy(Healthy s, Sink sink) {
    s.mono.subscribe(sink);
    return sink.last;
  }

  /** A subscription through the operator on a breaker that rejects nearly every call. */
  @Benchmark
  public Object monoShed(Shedding s, Sink sink) {
    s.mono.subscribe(sink);
    return sink.last;
  }

  /** A subscription to a three-element {@code Flux.just} through the identity. */
  @Benchmark
  public Object fluxBaseline(Healthy s, Sink sink) {
    s.plainFlux.subscribe(sink);
    return sink.last;
  }

  /** The same {@code Flux} through the operator: lookup, allow, three values, success. */
  @Benchmark
  public Object fluxHealthy(Healthy s, Sink sink) {
    s.flux.subscribe(sink);
    return sink.last;
  }
}
