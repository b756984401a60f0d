package dev.backstop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import dev.backstop.testing.RecordingBreaker;
import org.junit.jupiter.api.Test;

class BreakerListenerTest {

  private final FakeTicker ticker = new FakeTicker(-42);

  /** Records every event as text. */
  static final class Recorder implements BreakerListener {
    final List<String> events = Collections.synchronizedList(new ArrayList<>());

    @Override
    public void allowed(String operation) {
      events.add("allowed " + operation);
    }

    @Override
    public void rejected(String operation) {
      events.add("rejected " + operation);
    }

    @Override
    public void ignored(String operation) {
      events.add("ignored " + operation);
    }

    @Override
    public void success(String operation) {
      events.add("success " + operation);
    }

    @Override
    public void failure(String operation) {
      events.add("failure " + operation);
    }

    @Override
    public void stateChanged(String operation, Snapshot snapshot) {
      events.add("state " + operation + " " + snapshot.state());
    }

    @Override
    public void removed(String operation) {
      events.add("removed " + operation);
    }
  }

  @Test
  void aBreakersOwnListenerHearsItsStateChangesOnly() {
    Recorder recorder = new Recorder();
    SreBreaker b =
        SreBreaker.original().name("db").listener(recorder).ticker(ticker).build();
    b.allow();
    b.markSuccess();
    b.allow();
    b.markFailed();
    assertThat(recorder.events).isEmpty(); // calls are the Backstop's to report
    for (int i = 0; i < 200; i++) {
      b.markFailed();
    }
    assertThatThrownBy(() -> b.allow(0.0)).isInstanceOf(NotAllowedException.class);
    assertThat(recorder.events).containsExactly("state db OPEN");
    recorder.events.clear();
    ticker.advance(Duration.ofSeconds(3));
    b.allow(0.0);
    assertThat(recorder.events).containsExactly("state db CLOSED");
  }

  @Test
  void aBackstopReportsCallsAndTheStateChangesOfBreakersFromItsFactory() {
    Recorder recorder = new Recorder();
    Backstop backstop =
        Backstop.builder()
            .breakers(
                op -> SreBreaker.original().name(op).ticker(ticker).random(() -> 0.0).build())
            .listener(recorder)
            .build();
    for (int i = 0; i < 100; i++) {
      try {
        backstop.call("db", () -> { throw new IOException(); });
      } catch (IOException expected) {
        // the backend fails
      }
    }
    assertThat(recorder.events).hasSize(200).allMatch(e -> e.matches("(allowed|failure) db"));
    recorder.events.clear();
    assertThatThrownBy(() -> backstop.call("db", () -> 1))
        .isInstanceOf(NotAllowedException.class);
    assertThat(recorder.events).containsExactly("state db OPEN", "rejected db");
  }

  @Test
  void stateChangesAreReportedOncePerTransitionUnderConcurrency() throws Exception {
    AtomicInteger opened = new AtomicInteger();
    BreakerListener counter =
        new BreakerListener() {
          @Override
          public void stateChanged(String operation, Snapshot snapshot) {
            if (snapshot.state() == State.OPEN) {
              opened.incrementAndGet();
            }
          }
        };
    for (int round = 0; round < 20; round++) {
      opened.set(0);
      SreBreaker b = SreBreaker.original().name("x").listener(counter).ticker(ticker).build();
      for (int i = 0; i < 500; i++) {
        b.markFailed();
      }
      int threads = 8;
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      CountDownLatch start = new CountDownLatch(1);
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        futures.add(
            pool.submit(
                () -> {
                  start.await();
                  for (int i = 0; i < 100; i++) {
                    try {
                      b.allow();
                    } catch (NotAllowedException e) {
                      // shed
                    }
                  }
                  return null;
                }));
      }
      start.countDown();
      for (Future<?> f : futures) {
        f.get(10, TimeUnit.SECONDS);
      }
      pool.shutdown();
      assertThat(opened).hasValue(1);
    }
  }

  @Test
  void stateChangesAlternateAndEndInTheBreakersStateUnderConcurrency() throws Exception {
    List<State> states = Collections.synchronizedList(new ArrayList<>());
    BreakerListener listener =
        new BreakerListener() {
          @Override
          public void stateChanged(String operation, Snapshot snapshot) {
            states.add(snapshot.state());
          }
        };
    FakeTicker clock = new FakeTicker(-42);
    SreBreaker b = SreBreaker.builder().name("x").listener(listener).ticker(clock).build();
    Together.run(
        4,
        id -> {
          for (int i = 0; i < 50_000; i++) {
            // Every call moves time by 1 ms: the backend dies for 4 s and heals for 4 s, 25
            // times over the run, with four threads calling at once.
            long elapsed = clock.advance(Duration.ofMillis(1)).read() + 42;
            boolean dead = elapsed / 4_000_000_000L % 2 == 1;
            try {
              b.allow();
            } catch (NotAllowedException e) {
              b.markRejected();
              continue;
            }
            if (dead) {
              b.markFailed();
            } else {
              b.markSuccess();
            }
          }
        });
    List<State> seen = new ArrayList<>(states);
    assertThat(seen).hasSizeGreaterThanOrEqualTo(5);
    assertThat(seen.get(0)).isEqualTo(State.OPEN);
    for (int i = 1; i < seen.size(); i++) {
      assertThat(seen.get(i)).as("event %d of %s", i, seen).isNotEqualTo(seen.get(i - 1));
    }
    // Once things settle, one more decision reports whatever is still unreported.
    clock.advance(Duration.ofMillis(2));
    try {
      b.allow();
    } catch (NotAllowedException e) {
      b.markRejected();
    }
    assertThat(states.get(states.size() - 1)).isEqualTo(b.state());
  }

  @Test
  void aThrowingListenerNeverBreaksACall() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    BreakerListener broken =
        new BreakerListener() {
          @Override
          public void allowed(String operation) {
            calls.incrementAndGet();
            throw new IllegalStateException("listener bug");
          }

          @Override
          public void failure(String operation) {
            calls.incrementAndGet();
            throw new IllegalStateException("listener bug");
          }
        };
    Backstop backstop = Backstop.builder().listener(broken).build();
    assertThat(backstop.call("op", () -> "fine")).isEqualTo("fine");
    assertThatThrownBy(() -> backstop.call("op", () -> { throw new IOException("down"); }))
        .isInstanceOf(IOException.class);
    assertThat(calls).hasValue(3);
    assertThat(backstop.snapshot("op").total()).isEqualTo(2);
    assertThat(backstop.snapshot("op").accepts()).isEqualTo(1);
  }

  @Test
  void backstopReportsOperationsItsGroupDrops() throws Exception {
    Recorder recorder = new Recorder();
    Backstop backstop = Backstop.builder().listener(recorder).ticker(ticker).build();
    backstop.call("a", () -> 1);
    assertThat(recorder.events).containsExactly("allowed a", "success a");
    assertThat(backstop.snapshots()).containsOnlyKeys("a");
    recorder.events.clear();
    ticker.advance(Duration.ofMinutes(11)); // "a" has been idle longer than the 10-minute expiry
    backstop.call("b", () -> 2);
    assertThat(recorder.events).containsExactly("removed a", "allowed b", "success b");
    assertThat(backstop.snapshots()).containsOnlyKeys("b");
  }

  @Test
  void anyBreakerGetsEveryCallReportedWithItsOutcome() {
    Recorder recorder = new Recorder();
    RecordingBreaker custom = new RecordingBreaker("db");
    Backstop backstop =
        Backstop.builder().breakers(op -> custom).listener(recorder).ticker(ticker).build();
    backstop.call("db", () -> 1);
    assertThatThrownBy(() -> backstop.call("db", () -> { throw new IOException(); }))
        .isInstanceOf(IOException.class);
    assertThatThrownBy(() -> backstop.call("db", () -> { throw new InterruptedException(); }))
        .isInstanceOf(InterruptedException.class);
    custom.rejectAll();
    assertThatThrownBy(() -> backstop.call("db", () -> 1)).isInstanceOf(NotAllowedException.class);
    assertThat(recorder.events)
        .containsExactly(
            "allowed db", "success db", "allowed db", "failure db", "allowed db", "ignored db",
            "rejected db");
    assertThat(custom.counts()).isEqualTo(new RecordingBreaker.Counts(3, 1, 1, 1, 1));
  }

  @Test
  void aBreakerRemovedFromItsGroupReportsNothingMore() {
    Recorder recorder = new Recorder();
    Backstop backstop = Backstop.builder().listener(recorder).ticker(ticker).build();
    CircuitBreaker old = backstop.breaker("stream");
    old.allow(); // a long stream starts
    ticker.advance(Duration.ofMinutes(11));
    backstop.call("other", () -> 1); // the sweep drops the idle "stream"
    assertThat(backstop.contains("stream")).isFalse();
    recorder.events.clear();
    old.markSuccess(); // the stream ends after its breaker was dropped
    backstop.call("stream", () -> 2); // a new breaker for the same operation
    assertThat(recorder.events).containsExactly("allowed stream", "success stream");
  }

  @Test
  void aListenerThatThrowsAnErrorNeverReachesTheCaller() {
    AtomicInteger calls = new AtomicInteger();
    BreakerListener broken =
        new BreakerListener() {
          @Override
          public void success(String operation) {
            calls.incrementAndGet();
            throw new AssertionError("listener bug");
          }

          @Override
          public void stateChanged(String operation, Snapshot snapshot) {
            calls.incrementAndGet();
            throw new StackOverflowError("listener bug");
          }
        };
    Backstop backstop = Backstop.builder().listener(broken).ticker(ticker).build();
    assertThat(backstop.call("op", () -> "fine")).isEqualTo("fine");
    for (int i = 0; i < 300; i++) {
      try {
        backstop.call("op", () -> { throw new IOException(); });
      } catch (IOException | NotAllowedException expected) {
        // failing backend, then shed
      }
    }
    assertThat(calls.get()).isGreaterThanOrEqualTo(2);
    assertThat(backstop.snapshot("op").state()).isEqualTo(State.OPEN);
  }
}
