package dev.backstop.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.backstop.Backstop;
import dev.backstop.BreakerListener;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * BackstopMetrics as the listener of {@link Backstop}'s own group, the way applications use it.
 * These breakers have the default settings and the system ticker, so the tests keep every
 * operation healthy (at least 90 % accepted) and assert counts, never the formula's numbers.
 */
class DefaultGroupTest {

  private final BackstopMetrics metrics = BackstopMetrics.create();
  private final Backstop backstop = Backstop.builder().listener(metrics).build();
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  @Test
  void theDefaultGroupReportsEveryCallUnderItsOperation() throws Exception {
    metrics.monitor(backstop).bindTo(registry);
    for (int i = 0; i < 20; i++) {
      backstop.call("users.get", () -> "ok");
    }
    assertThatThrownBy(() -> backstop.call("users.get", () -> { throw new IOException("down"); }))
        .isInstanceOf(IOException.class);
    backstop.call("orders.list", () -> "ok");

    assertThat(count("users.get", "success")).isEqualTo(20);
    assertThat(count("users.get", "failure")).isEqualTo(1);
    assertThat(count("users.get", "rejected")).isZero();
    assertThat(registry.get(BackstopMetrics.ALLOWED).tag("operation", "users.get")
        .functionCounter().count()).isEqualTo(21);
    assertThat(count("orders.list", "success")).isEqualTo(1);
    assertThat(registry.get(BackstopMetrics.STATE).tag("operation", "users.get").gauge().value())
        .isEqualTo(0);
    assertThat(registry.get(BackstopMetrics.OPERATIONS).gauge().value()).isEqualTo(2);
  }

  @Test
  void theDefaultGroupsSizeBoundRemovesMetersOfEvictedOperations() throws Exception {
    metrics.monitor(backstop).bindTo(registry);
    int operations = 10_001; // one over the default bound of 10 000
    for (int i = 0; i < operations; i++) {
      backstop.call("op" + i, () -> "ok");
    }

    long held = backstop.size();
    assertThat(held).isLessThan(operations);
    assertThat(BackstopMetricsTest.operationsIn(registry))
        .hasSize((int) held)
        .isEqualTo(backstop.snapshots().keySet());
    assertThat(metrics.operations()).isEqualTo(backstop.snapshots().keySet());
    assertThat(registry.getMeters()).hasSize((int) held * 7 + 1);
    assertThat(registry.get(BackstopMetrics.OPERATIONS).gauge().value()).isEqualTo(held);
  }

  @Test
  void concurrentCallsLoseNoCountsAndRegisterEachOperationOnce() throws Exception {
    metrics.monitor(backstop).bindTo(registry);
    int threads = 8;
    int calls = 20_000;
    int ops = 4;
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        done.add(
            pool.submit(
                () -> {
                  start.await();
                  for (int i = 0; i < calls; i++) {
                    boolean fails = i % 10 == 0;
                    try {
                      backstop.call(
                          "op" + (i % ops),
                          () -> {
                            if (fails) {
                              throw new IOException("down");
                            }
                            return "ok";
                          });
                    } catch (IOException expected) {
                      // counted as a failure
                    }
                  }
                  return null;
                }));
      }
      start.countDown();
      for (Future<?> f : done) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }

    for (int op = 0; op < ops; op++) {
      long failures = 0;
      long successes = 0;
      for (int i = op; i < calls; i += ops) {
        if (i % 10 == 0) {
          failures++;
        } else {
          successes++;
        }
      }
      assertThat(count("op" + op, "success")).isEqualTo(successes * threads);
      assertThat(count("op" + op, "failure")).isEqualTo(failures * threads);
      assertThat(count("op" + op, "rejected")).isZero();
    }
    assertThat(registry.getMeters()).hasSize(ops * 7 + 1);
  }

  @Test
  void aListenerThatThrowsBreaksNeitherCallsNorTheBreaker() throws Exception {
    BreakerListener throwing =
        new BreakerListener() {
          @Override
          public void allowed(String operation) {
            throw new IllegalStateException("allowed");
          }

          @Override
          public void success(String operation) {
            throw new IllegalStateException("success");
          }

          @Override
          public void failure(String operation) {
            throw new IllegalStateException("failure");
          }
        };
    Backstop guarded = Backstop.builder().listener(throwing).build();

    assertThat(guarded.call("users.get", () -> "ok")).isEqualTo("ok");
    assertThatThrownBy(() -> guarded.call("users.get", () -> { throw new IOException("down"); }))
        .isInstanceOf(IOException.class)
        .hasMessage("down");
    assertThat(guarded.snapshot("users.get").total()).isEqualTo(2);
    assertThat(guarded.snapshot("users.get").accepts()).isEqualTo(1);
  }

  private long count(String op, String outcome) {
    return (long)
        registry
            .get(BackstopMetrics.CALLS)
            .tags("operation", op, "outcome", outcome)
            .functionCounter()
            .count();
  }
}
