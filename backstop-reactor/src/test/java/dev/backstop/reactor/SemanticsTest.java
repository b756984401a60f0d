package dev.backstop.reactor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.backstop.Backstop;
import dev.backstop.NotAllowedException;
import dev.backstop.testing.RecordingBreaker;
import dev.backstop.testing.RecordingBreaker.Counts;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Publisher;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Hooks;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.util.retry.Retry;

/**
 * Each row of the operator's behaviour table, with Reactor's own publishers and a breaker that
 * counts every call of the contract exactly.
 */
class SemanticsTest {

  private static final Duration WAIT = Duration.ofSeconds(10);

  private final RecordingBreaker breaker = new RecordingBreaker("users.get");
  private final Backstop backstop = Backstop.builder().breakers(op -> breaker).build();

  private <T> BackstopOperator<T> operator() {
    return BackstopOperator.of(backstop, "users.get");
  }

  @Test
  void aRejectionIsAnErrorSignalAndTheSourceIsNeverSubscribed() {
    breaker.rejectAll();
    AtomicInteger subscribed = new AtomicInteger();
    Mono<String> source =
        Mono.fromCallable(() -> "sent").doOnSubscribe(s -> subscribed.incrementAndGet());
    assertThatThrownBy(() -> source.transformDeferred(operator()).block(WAIT))
        .isSameAs(breaker.rejection());
    Flux<String> many = Flux.just("a", "b").doOnSubscribe(s -> subscribed.incrementAndGet());
    assertThatThrownBy(() -> many.transformDeferred(operator()).collectList().block(WAIT))
        .isSameAs(breaker.rejection());
    assertThat(subscribed).hasValue(0);
    assertThat(breaker.counts()).isEqualTo(new Counts(0, 0, 0, 0, 2));
  }

  @Test
  void aMonosValueIsASuccessRecordedBeforeTheSubscriberSeesIt() {
    AtomicReference<Counts> seen = new AtomicReference<>();
    String value =
        Mono.just("ok")
            .transformDeferred(operator())
            .doOnNext(v -> seen.set(breaker.counts()))
            .block(WAIT);
    assertThat(value).isEqualTo("ok");
    assertThat(seen.get()).isEqualTo(new Counts(1, 1, 0, 0, 0));
    assertThat(breaker.counts()).isEqualTo(new Counts(1, 1, 0, 0, 0));
  }

  @Test
  void anEmptyMonoIsASuccess() {
    assertThat(Mono.<String>empty().transformDeferred(operator()).block(WAIT)).isNull();
    assertThat(breaker.counts()).isEqualTo(new Counts(1, 1, 0, 0, 0));
  }

  @Test
  void aFluxsCompletionIsASuccess() {
    assertThat(Flux.just("a", "b", "c").transformDeferred(operator()).collectList().block(WAIT))
        .containsExactly("a", "b", "c");
    assertThat(Flux.empty().transformDeferred(operator()).collectList().block(WAIT)).isEmpty();
    assertThat(breaker.counts()).isEqualTo(new Counts(2, 2, 0, 0, 0));
  }

  @Test
  void errorsAreClassifiedByFailureWhenAndReachTheSubscriberUnchanged() {
    BackstopOperator<String> op =
        BackstopOperator.builder(backstop, "users.get")
            .failureWhen(e -> e instanceof IOException)
            .build();
    IOException down = new IOException("down");
    IllegalArgumentException notFound = new IllegalArgumentException("no such user");
    assertThatThrownBy(() -> Mono.<String>error(down).transformDeferred(op).block(WAIT))
        .hasCause(down);
    assertThat(breaker.counts()).isEqualTo(new Counts(1, 0, 1, 0, 0));
    assertThatThrownBy(() -> Mono.<String>error(notFound).transformDeferred(op).block(WAIT))
        .isSameAs(notFound);
    assertThat(breaker.counts()).isEqualTo(new Counts(2, 1, 1, 0, 0));
  }

  @Test
  void everyErrorIsAFailureByDefault() {
    IllegalStateException e = new IllegalStateException("boom");
    assertThatThrownBy(() -> Flux.error(e).transformDeferred(operator()).blockLast(WAIT))
        .isSameAs(e);
    assertThat(breaker.counts()).isEqualTo(new Counts(1, 0, 1, 0, 0));
  }

  @Test
  void aFailureWhenThatThrowsCountsAsAFailureAndTheErrorStillArrives() {
    BackstopOperator<String> op =
        BackstopOperator.builder(backstop, "users.get")
            .failureWhen(
                e -> {
                  throw new IllegalStateException("classifier bug");
                })
            .build();
    IOException down = new IOException("down");
    assertThatThrownBy(() -> Mono.<String>error(down).transformDeferred(op).block(WAIT))
        .hasCause(down);
    assertThat(breaker.counts()).isEqualTo(new Counts(1, 0, 1, 0, 0));
  }

  @Test
  void anotherGuardsRejectionAnInterruptOrACancellationIsIgnored() {
    List<Throwable> errors =
        List.of(
            new NotAllowedException("inner"),
            new IOException("wrapped", new NotAllowedException("inner")),
            new InterruptedException(),
            new CancellationException());
    for (Throwable e : errors) {
      Mono.error(e).transformDeferred(operator()).onErrorResume(x -> Mono.empty()).block(WAIT);
    }
    assertThat(breaker.counts()).isEqualTo(new Counts(4, 0, 0, 4, 0));
  }

  @Test
  void aFluxThatFailsAfterValuesIsClassifiedOnItsError() {
    List<String> seen = new ArrayList<>();
    Flux<String> broken = Flux.concat(Flux.just("a", "b"), Flux.error(new IOException("reset")));
    assertThatThrownBy(
            () -> broken.transformDeferred(operator()).doOnNext(seen::add).blockLast(WAIT))
        .hasCauseInstanceOf(IOException.class);
    assertThat(seen).containsExactly("a", "b");
    assertThat(breaker.counts()).isEqualTo(new Counts(1, 0, 1, 0, 0));
  }

  @Test
  void aCancelBeforeAnyValueIsIgnored() {
    Sinks.One<String> mono = Sinks.one();
    Disposable a = mono.asMono().transformDeferred(operator()).subscribe();
    Sinks.Many<String> flux = Sinks.many().unicast().onBackpressureBuffer();
    Disposable b = flux.asFlux().transformDeferred(operator()).subscribe();
    assertThat(breaker.counts()).isEqualTo(new Counts(2, 0, 0, 0, 0));
    a.dispose();
    b.dispose();
    assertThat(breaker.counts()).isEqualTo(new Counts(2, 0, 0, 2, 0));
    mono.tryEmitValue("too late");
    assertThat(breaker.counts()).isEqualTo(new Counts(2, 0, 0, 2, 0));
  }

  @Test
  void aFluxCancelledAfterAValueIsASuccess() {
    AtomicInteger produced = new AtomicInteger();
    List<Integer> taken =
        Flux.range(1, 1_000)
            .doOnNext(i -> produced.incrementAndGet())
            .transformDeferred(operator())
            .take(2)
            .collectList()
            .block(WAIT);
    assertThat(taken).containsExactly(1, 2);
    assertThat(produced).hasValue(2);
    assertThat(Flux.range(1, 10).transformDeferred(operator()).next().block(WAIT)).isEqualTo(1);
    assertThat(breaker.counts()).isEqualTo(new Counts(2, 2, 0, 0, 0));
  }

  @Test
  void eachSubscriptionAsksTheBreakerOnce() {
    AtomicInteger calls = new AtomicInteger();
    Mono<Integer> guarded =
        Mono.fromCallable(calls::incrementAndGet).transformDeferred(operator());
    breaker.rejectWhen(n -> n == 1);
    assertThat(guarded.block(WAIT)).isEqualTo(1);
    assertThatThrownBy(() -> guarded.block(WAIT)).isSameAs(breaker.rejection());
    assertThat(guarded.block(WAIT)).isEqualTo(2);
    assertThat(breaker.counts()).isEqualTo(new Counts(2, 2, 0, 0, 1));
  }

  @Test
  void transformWithoutDeferringStillDecidesPerSubscription() {
    Mono<String> guarded = Mono.just("ok").transform(operator());
    breaker.rejectWhen(n -> n == 0);
    assertThatThrownBy(() -> guarded.block(WAIT)).isSameAs(breaker.rejection());
    assertThat(guarded.block(WAIT)).isEqualTo("ok");
    assertThat(breaker.counts()).isEqualTo(new Counts(1, 1, 0, 0, 1));
  }

  @Test
  void retryWhenResubscribesAndSoAsksTheBreakerAgain() {
    AtomicInteger attempts = new AtomicInteger();
    // Asks 0 to 4: allowed, rejected, allowed, rejected, allowed.
    breaker.rejectWhen(n -> n == 1 || n == 3);
    String value =
        Mono.defer(
                () ->
                    attempts.incrementAndGet() < 3
                        ? Mono.<String>error(new IOException("503"))
                        : Mono.just("ok"))
            .transformDeferred(operator())
            .retryWhen(Retry.max(4))
            .block(WAIT);
    assertThat(value).isEqualTo("ok");
    assertThat(attempts).hasValue(3);
    assertThat(breaker.counts()).isEqualTo(new Counts(3, 1, 2, 0, 2));
  }

  @Test
  void aPublisherThatIsNeitherMonoNorFluxIsGuardedAsAFlux() {
    Publisher<String> plain = subscriber -> Flux.just("x", "y").subscribe(subscriber);
    Publisher<String> guarded = BackstopOperator.<String>of(backstop, "users.get").apply(plain);
    assertThat(guarded).isInstanceOf(Flux.class);
    assertThat(Flux.from(guarded).collectList().block(WAIT)).containsExactly("x", "y");
    assertThat(breaker.counts()).isEqualTo(new Counts(1, 1, 0, 0, 0));
  }

  @Test
  void racingCompletionsErrorsAndCancelsRecordEachSubscriptionExactlyOnce() throws Exception {
    int subscriptions = 2_000;
    List<Sinks.One<String>> sinks = new ArrayList<>();
    List<Disposable> subscribers = new ArrayList<>();
    for (int i = 0; i < subscriptions; i++) {
      Sinks.One<String> sink = Sinks.one();
      sinks.add(sink);
      subscribers.add(sink.asMono().transformDeferred(operator()).subscribe(v -> {}, e -> {}));
    }
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(3);
    // An error that loses the race to a cancel is dropped, which Reactor logs by default.
    Hooks.onErrorDropped(e -> {});
    try {
      pool.execute(() -> race(start, () -> sinks.forEach(s -> s.tryEmitValue("ok"))));
      pool.execute(() -> race(start, () -> sinks.forEach(s -> s.tryEmitError(new IOException()))));
      pool.execute(() -> race(start, () -> subscribers.forEach(Disposable::dispose)));
      start.countDown();
      pool.shutdown();
      assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
    } finally {
      Hooks.resetOnErrorDropped();
    }
    Counts c = breaker.awaitMarks(subscriptions, WAIT);
    assertThat(c.allowed()).isEqualTo(subscriptions);
    assertThat(c.successes() + c.failures() + c.ignored()).isEqualTo(subscriptions);
    assertThat(c.inFlight()).isZero();
  }

  @Test
  void builderChecksItsArguments() {
    assertThatThrownBy(() -> BackstopOperator.of(null, "op"))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("backstop");
    assertThatThrownBy(() -> BackstopOperator.of(backstop, null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("operation");
    assertThatThrownBy(() -> BackstopOperator.of(backstop, ""))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("operation must not be empty, was \"\"");
    assertThatThrownBy(() -> BackstopOperator.builder(backstop, "op").failureWhen(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("failureWhen");
    assertThat(BackstopOperator.of(backstop, "users.get"))
        .hasToString("BackstopOperator(users.get, failureWhen every error)");
  }

  private static void race(CountDownLatch start, Runnable work) {
    try {
      start.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    work.run();
  }
}
