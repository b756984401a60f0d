package dev.backstop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class BackstopTest {

  private final FakeTicker ticker = new FakeTicker();

  /** A breaker whose decision the test sets, recording every call made to it. */
  static final class Scripted implements CircuitBreaker {
    final List<String> calls = new ArrayList<>();
    final NotAllowedException rejection = new NotAllowedException("scripted");
    boolean reject;

    @Override
    public void allow() {
      calls.add("allow");
      if (reject) {
        throw rejection;
      }
    }

    @Override
    public void markSuccess() {
      calls.add("success");
    }

    @Override
    public void markFailed() {
      calls.add("failed");
    }
  }

  @Test
  void successAndFailureAreMarkedOnce() throws Exception {
    Scripted breaker = new Scripted();
    Backstop backstop = Backstop.builder().group(Group.create(op -> breaker)).build();
    assertThat(backstop.call("op", () -> 42)).isEqualTo(42);
    assertThatThrownBy(() -> backstop.call("op", () -> { throw new IOException("down"); }))
        .isInstanceOf(IOException.class)
        .hasMessage("down");
    assertThat(breaker.calls).containsExactly("allow", "success", "allow", "failed");
  }

  @Test
  void aRejectedCallNeverRunsAndCountsAsAFailureForACustomBreaker() {
    Scripted breaker = new Scripted();
    breaker.reject = true;
    Backstop backstop = Backstop.builder().group(Group.create(op -> breaker)).build();
    AtomicInteger ran = new AtomicInteger();
    assertThatThrownBy(() -> backstop.call("op", ran::incrementAndGet))
        .isSameAs(breaker.rejection);
    assertThat(ran).hasValue(0);
    // CircuitBreaker.markRejected defaults to markFailed, as in the original design.
    assertThat(breaker.calls).containsExactly("allow", "failed");
  }

  @Test
  void failureWhenDecidesWhichExceptionsAreFailures() {
    Scripted breaker = new Scripted();
    Backstop backstop =
        Backstop.builder()
            .group(Group.create(op -> breaker))
            .failureWhen(e -> !(e instanceof IllegalArgumentException))
            .build();
    assertThatThrownBy(() -> backstop.call("op", () -> { throw new IllegalArgumentException(); }))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> backstop.call("op", () -> { throw new IllegalStateException(); }))
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> backstop.call("op", () -> { throw new AssertionError("error"); }))
        .isInstanceOf(AssertionError.class);
    assertThat(breaker.calls)
        .containsExactly("allow", "success", "allow", "failed", "allow", "failed");
  }

  @Test
  void aThrowingPredicateStillMarksOnce() {
    Scripted breaker = new Scripted();
    Backstop backstop =
        Backstop.builder()
            .group(Group.create(op -> breaker))
            .failureWhen(e -> { throw new IllegalStateException("predicate"); })
            .build();
    assertThatThrownBy(() -> backstop.call("op", () -> { throw new IOException(); }))
        .hasMessage("predicate");
    assertThat(breaker.calls).containsExactly("allow", "failed");
  }

  @Test
  void aFailingBackendIsShedAndTheActionNeverRunsWhenRejected() throws Exception {
    Backstop backstop =
        Backstop.builder()
            .group(Group.create(op -> SreBreaker.original().name(op).ticker(ticker).build()))
            .build();
    AtomicInteger reached = new AtomicInteger();
    int rejected = 0;
    for (int i = 0; i < 2_000; i++) {
      try {
        backstop.call(
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
    Snapshot s = backstop.snapshot("db");
    assertThat(s.total()).isEqualTo(2_000); // rejections count as failures in the original
    assertThat(s.state()).isEqualTo(State.OPEN);
    // Another operation is independent.
    assertThat(backstop.call("cache", () -> "hit")).isEqualTo("hit");
    assertThat(backstop.snapshot("cache").state()).isEqualTo(State.CLOSED);
    assertThat(backstop.snapshots()).containsOnlyKeys("db", "cache");
    assertThat(backstop.size()).isEqualTo(2);
    // After the window passes, calls flow again.
    ticker.advance(Duration.ofSeconds(3));
    assertThat(backstop.call("db", () -> "ok")).isEqualTo("ok");
  }

  @Test
  void breakerReturnsTheOperationsBreaker() {
    Backstop backstop = Backstop.create();
    assertThat(backstop.breaker("a")).isSameAs(backstop.breaker("a"));
    assertThat(backstop.breaker("a")).isNotSameAs(backstop.breaker("b"));
    assertThat(backstop.breaker("a")).isInstanceOf(SreBreaker.class);
    assertThat(backstop.snapshot("missing")).isNull();
  }

  @Test
  void badInput() {
    Backstop.Builder b = Backstop.builder();
    assertThatThrownBy(() -> b.group(null)).hasMessage("group");
    assertThatThrownBy(() -> b.failureWhen(null)).hasMessage("failureWhen");
    assertThatThrownBy(() -> b.listener(null)).hasMessage("listener");
    assertThatThrownBy(() -> Backstop.create().call("op", null)).hasMessage("action");
    assertThatThrownBy(() -> Backstop.create().call(null, () -> 1)).hasMessage("key");
    BreakerListener named =
        new BreakerListener() {
          @Override
          public String toString() {
            return "named";
          }
        };
    Group<SreBreaker> group = Group.create(op -> SreBreaker.create());
    assertThatThrownBy(() -> Backstop.builder().group(group).listener(named).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "listener applies to the default group only, was named with group "
                + group
                + "; give the group's breakers their listener in its factory");
    Ticker fake = new FakeTicker() {
      @Override
      public String toString() {
        return "fake";
      }
    };
    assertThatThrownBy(() -> Backstop.builder().group(group).ticker(fake).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "ticker applies to the default group only, was fake with group "
                + group
                + "; give the group and its breakers their ticker");
    assertThatThrownBy(() -> b.ticker(null)).hasMessage("ticker");
  }
}
