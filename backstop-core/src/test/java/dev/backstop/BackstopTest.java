package dev.backstop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.backstop.testing.FakeTicker;
import dev.backstop.testing.RecordingBreaker;
import dev.backstop.testing.RecordingBreaker.Counts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.SubmissionPublisher;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class BackstopTest {

  private final FakeTicker ticker = new FakeTicker();
  private final RecordingBreaker breaker = new RecordingBreaker("op");
  private final Backstop backstop = Backstop.builder().breakers(op -> breaker).build();

  /** Compiles only because call throws exactly what its action throws: IOException here. */
  private static String fetch(String id) throws IOException {
    if (id.isEmpty()) {
      throw new IOException("no id");
    }
    return "user " + id;
  }

  private String fetchGuarded(String id) throws IOException {
    return backstop.call("users.get", () -> fetch(id));
  }

  /** Compiles only because an action that throws nothing checked makes call throw nothing. */
  private int sumGuarded() {
    return backstop.call("sum", () -> 1 + 1);
  }

  @Test
  void callThrowsExactlyWhatTheActionThrows() throws IOException {
    assertThat(fetchGuarded("42")).isEqualTo("user 42");
    assertThatThrownBy(() -> fetchGuarded("")).isInstanceOf(IOException.class).hasMessage("no id");
    assertThat(sumGuarded()).isEqualTo(2);
    assertThat(breaker.counts()).isEqualTo(new Counts(3, 2, 1, 0, 0));
  }

  @Test
  void runGuardsAnActionThatReturnsNothing() {
    List<String> done = new ArrayList<>();
    backstop.run("op", () -> done.add("ran"));
    assertThatThrownBy(() -> backstop.run("op", () -> { throw new IOException("down"); }))
        .isInstanceOf(IOException.class);
    assertThat(done).containsExactly("ran");
    assertThat(breaker.counts()).isEqualTo(new Counts(2, 1, 1, 0, 0));
  }

  @Test
  void aRejectedCallNeverRunsAndIsRecordedAsARejection() {
    breaker.rejectAll();
    AtomicInteger ran = new AtomicInteger();
    assertThatThrownBy(() -> backstop.call("op", ran::incrementAndGet))
        .isSameAs(breaker.rejection());
    assertThatThrownBy(() -> backstop.run("op", ran::incrementAndGet))
        .isSameAs(breaker.rejection());
    assertThat(ran).hasValue(0);
    assertThat(breaker.counts()).isEqualTo(new Counts(0, 0, 0, 0, 2));
  }

  @Test
  void aCustomBreakerThatCountsRejectionsAsFailuresByDefault() {
    List<String> calls = new ArrayList<>();
    CircuitBreaker original =
        new CircuitBreaker() {
          @Override
          public void allow() {
            throw new NotAllowedException("op");
          }

          @Override
          public void markSuccess() {
            calls.add("success");
          }

          @Override
          public void markFailed() {
            calls.add("failed");
          }
        };
    Backstop b = Backstop.builder().breakers(op -> original).build();
    assertThatThrownBy(() -> b.call("op", () -> 1)).isInstanceOf(NotAllowedException.class);
    assertThat(calls).containsExactly("failed");
  }

  @Test
  void failureWhenDecidesWhichExceptionsAreFailures() {
    Backstop b =
        Backstop.builder()
            .breakers(op -> breaker)
            .failureWhen(e -> !(e instanceof IllegalArgumentException))
            .build();
    assertThatThrownBy(() -> b.call("op", () -> { throw new IllegalArgumentException(); }))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> b.call("op", () -> { throw new IllegalStateException(); }))
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> b.call("op", () -> { throw new AssertionError("error"); }))
        .isInstanceOf(AssertionError.class);
    assertThat(breaker.counts()).isEqualTo(new Counts(3, 1, 2, 0, 0));
  }

  @Test
  void aThrowingPredicateCountsAFailureAndTheCallerGetsTheActionsOwnException() {
    Backstop b =
        Backstop.builder()
            .breakers(op -> breaker)
            .failureWhen(e -> { throw new IllegalStateException("predicate bug"); })
            .build();
    assertThatThrownBy(() -> b.call("op", () -> { throw new IOException("down"); }))
        .isInstanceOf(IOException.class)
        .hasMessage("down");
    assertThat(breaker.counts()).isEqualTo(new Counts(1, 0, 1, 0, 0));
  }

  @Test
  void interruptsCancelsAndOtherGuardsRejectionsAreIgnored() {
    Backstop inner = Backstop.builder().breakers(op -> new RecordingBreaker(op).rejectAll()).build();
    assertThatThrownBy(() -> backstop.call("op", () -> { throw new InterruptedException(); }))
        .isInstanceOf(InterruptedException.class);
    assertThatThrownBy(() -> backstop.call("op", () -> { throw new CancellationException(); }))
        .isInstanceOf(CancellationException.class);
    assertThatThrownBy(() -> backstop.call("op", () -> inner.call("db", () -> 1)))
        .isInstanceOf(NotAllowedException.class);
    // A rejection wrapped by a client library, as OkHttp and gRPC do, is still a rejection.
    assertThatThrownBy(
            () ->
                backstop.call(
                    "op",
                    () -> {
                      try {
                        return inner.call("db", () -> 1);
                      } catch (NotAllowedException e) {
                        throw new UncheckedIOException(new IOException("shed", e));
                      }
                    }))
        .isInstanceOf(UncheckedIOException.class);
    assertThat(breaker.counts()).isEqualTo(new Counts(4, 0, 0, 4, 0));
  }

  @Test
  void shuttingDownAPoolOfCallersNeverOpensTheBreakerOfAHealthyBackend() throws Exception {
    Backstop healthy = Backstop.create();
    int callers = 1_000;
    ExecutorService pool = Executors.newFixedThreadPool(8);
    CountDownLatch never = new CountDownLatch(1);
    CountDownLatch started = new CountDownLatch(8);
    for (int i = 0; i < callers; i++) {
      pool.execute(
          () -> {
            try {
              healthy.call(
                  "users.get",
                  () -> {
                    started.countDown();
                    never.await(); // the backend is slow; the pool is shut down meanwhile
                    return "ok";
                  });
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          });
    }
    assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
    List<Runnable> neverRan = pool.shutdownNow();
    assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    assertThat(neverRan).hasSize(callers - 8);
    Snapshot s = healthy.snapshot("users.get");
    assertThat(s.total()).isZero();
    assertThat(s.state()).isEqualTo(State.CLOSED);
  }

  @Test
  void callRefusesAnActionWhoseOutcomeComesLater() {
    CompletableFuture<String> later = new CompletableFuture<>();
    assertThatThrownBy(() -> backstop.call("op", () -> later))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage(
            "action of call(\"op\", ...) returned java.util.concurrent.CompletableFuture, whose"
                + " outcome comes later; use callAsync, or the reactor integration for a"
                + " publisher");
    try (SubmissionPublisher<String> publisher = new SubmissionPublisher<>()) {
      assertThatThrownBy(() -> backstop.call("op", () -> publisher))
          .isInstanceOf(IllegalStateException.class);
    }
    Object none = backstop.call("op", () -> null);
    assertThat(none).isNull();
    assertThat(breaker.counts()).isEqualTo(new Counts(3, 1, 0, 2, 0));
  }

  @Test
  void aFailingBackendIsShedAndTheActionNeverRunsWhenRejected() {
    Backstop b =
        Backstop.builder()
            .breakers(op -> SreBreaker.original().name(op).ticker(ticker).build())
            .ticker(ticker)
            .build();
    AtomicInteger reached = new AtomicInteger();
    int rejected = 0;
    for (int i = 0; i < 2_000; i++) {
      try {
        b.call(
            "db",
            () -> {
              reached.incrementAndGet();
              throw new IOException("down");
            });
      } catch (NotAllowedException e) {
        assertThat(e.operation()).isEqualTo("db");
        rejected++;
      } catch (IOException expected) {
        // the backend failure
      }
    }
    assertThat(reached.get() + rejected).isEqualTo(2_000);
    // The first 100 go through (minimum); after that nearly everything is shed.
    assertThat(reached.get()).isBetween(100, 140);
    Snapshot s = b.snapshot("db");
    assertThat(s.total()).isEqualTo(2_000); // rejections count as failures in the original
    assertThat(s.state()).isEqualTo(State.OPEN);
    // Another operation is independent.
    assertThat(b.call("cache", () -> "hit")).isEqualTo("hit");
    assertThat(b.snapshot("cache").state()).isEqualTo(State.CLOSED);
    assertThat(b.snapshots()).containsOnlyKeys("db", "cache");
    assertThat(b.size()).isEqualTo(2);
    // After the window passes, calls flow again.
    ticker.advance(Duration.ofSeconds(3));
    assertThat(b.call("db", () -> "ok")).isEqualTo("ok");
  }

  @Test
  void breakerReturnsTheOperationsBreaker() {
    Backstop b = Backstop.create();
    assertThat(b.breaker("a")).isSameAs(b.breaker("a"));
    assertThat(b.breaker("a")).isNotSameAs(b.breaker("b"));
    assertThat(b.breaker("a")).isInstanceOf(SreBreaker.class);
    assertThat(b.snapshot("missing")).isNull();
    assertThat(b.contains("a")).isTrue();
    assertThat(b.contains("missing")).isFalse();
    assertThat(b.size()).isEqualTo(2);
  }

  @Test
  void aBreakerWithoutSnapshotsIsHeldButReportsNone() {
    backstop.call("op", () -> 1);
    assertThat(backstop.contains("op")).isTrue();
    assertThat(backstop.snapshot("op")).isNull();
    assertThat(backstop.snapshots()).isEmpty();
  }

  @Test
  void theGroupIsBoundedAndExpiresIdleOperations() {
    Backstop b =
        Backstop.builder()
            .maximumSize(10)
            .expireAfterAccess(Duration.ofMinutes(1))
            .ticker(ticker)
            .build();
    b.call("idle", () -> 1);
    ticker.advance(Duration.ofMinutes(2));
    for (int i = 0; i < 100; i++) {
      b.call("key" + i, () -> 1);
    }
    assertThat(b.size()).isLessThanOrEqualTo(10);
    assertThat(b.contains("idle")).isFalse();
  }

  @Test
  void badInput() {
    Backstop.Builder b = Backstop.builder();
    assertThatThrownBy(() -> b.breakers(null)).hasMessage("breakers");
    assertThatThrownBy(() -> b.failureWhen(null)).hasMessage("failureWhen");
    assertThatThrownBy(() -> b.listener(null)).hasMessage("listener");
    assertThatThrownBy(() -> b.ticker(null)).hasMessage("ticker");
    assertThatThrownBy(() -> b.maximumSize(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maximumSize must be >= 1, was 0");
    assertThatThrownBy(() -> b.expireAfterAccess(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("expireAfterAccess must be > 0, was PT0S");
    assertThatThrownBy(() -> b.expireAfterAccess(null)).hasMessage("expireAfterAccess");
    Backstop made = Backstop.create();
    assertThatThrownBy(() -> made.call("op", null)).hasMessage("action");
    assertThatThrownBy(() -> made.run("op", null)).hasMessage("action");
    assertThatThrownBy(() -> made.callAsync("op", null)).hasMessage("action");
    assertThatThrownBy(() -> made.call(null, () -> 1)).hasMessage("operation");
    assertThatThrownBy(() -> made.breaker(null)).hasMessage("operation");
    assertThatThrownBy(() -> made.snapshot(null)).hasMessage("operation");
    assertThatThrownBy(() -> made.contains(null)).hasMessage("operation");
    Backstop nulls = Backstop.builder().breakers(op -> null).build();
    assertThatThrownBy(() -> nulls.call("op", () -> 1))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("breakers returned null for operation op");
  }

  @Test
  void concurrentCallsRecordEveryOutcomeExactlyOnce() throws Exception {
    int threads = 8;
    int calls = 3 * 667;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<?>> futures = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int id = t;
      futures.add(
          pool.submit(
              () -> {
                start.await();
                for (int i = 0; i < calls; i++) {
                  int n = i;
                  try {
                    backstop.call(
                        "op",
                        () -> {
                          if (n % 3 == 0) {
                            throw new IOException("down " + id);
                          }
                          if (n % 3 == 1) {
                            throw new InterruptedException();
                          }
                          return n;
                        });
                  } catch (IOException | InterruptedException expected) {
                    // recorded
                  }
                }
                return null;
              }));
    }
    start.countDown();
    for (Future<?> f : futures) {
      f.get(30, TimeUnit.SECONDS);
    }
    pool.shutdown();
    int each = threads * 667;
    assertThat(breaker.counts()).isEqualTo(new Counts(3 * each, each, each, each, 0));
  }
}
