package dev.backstop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class GroupTest {

  private final FakeTicker ticker = new FakeTicker();

  @Test
  void createsOnFirstUseAndReturnsTheSameInstanceAfter() {
    AtomicInteger made = new AtomicInteger();
    Group<String> group = Group.create(key -> key + "#" + made.incrementAndGet());
    assertThat(group.get("a")).isEqualTo("a#1");
    assertThat(group.get("a")).isEqualTo("a#1");
    assertThat(group.get("b")).isEqualTo("b#2");
    assertThat(group.size()).isEqualTo(2);
    assertThat(group.getIfPresent("a")).isEqualTo("a#1");
    assertThat(group.getIfPresent("c")).isNull();
    assertThat(group.size()).isEqualTo(2);
  }

  @Test
  void concurrentFirstUseCallsTheFactoryOnce() throws Exception {
    for (int round = 0; round < 20; round++) {
      AtomicInteger made = new AtomicInteger();
      Group<Object> group =
          Group.create(
              key -> {
                made.incrementAndGet();
                return new Object();
              });
      int threads = 8;
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      CountDownLatch start = new CountDownLatch(1);
      List<Future<Object>> got = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        got.add(
            pool.submit(
                () -> {
                  start.await();
                  return group.get("shared");
                }));
      }
      start.countDown();
      Set<Object> instances = ConcurrentHashMap.newKeySet();
      for (Future<Object> f : got) {
        instances.add(f.get(10, TimeUnit.SECONDS));
      }
      pool.shutdown();
      assertThat(made).hasValue(1);
      assertThat(instances).hasSize(1);
    }
  }

  @Test
  void idleKeysExpireAndUsedKeysStay() {
    List<String> removed = new ArrayList<>();
    Group<String> group =
        Group.builder(key -> key)
            .expireAfterAccess(Duration.ofMinutes(10))
            .ticker(ticker)
            .onRemoval((key, value) -> removed.add(key))
            .build();
    group.get("idle");
    group.get("busy");
    for (int minute = 0; minute < 30; minute++) {
      ticker.advance(Duration.ofMinutes(1));
      group.get("busy");
      group.get("new-" + minute); // insertions drive maintenance
    }
    assertThat(group.getIfPresent("idle")).isNull();
    assertThat(group.getIfPresent("busy")).isEqualTo("busy");
    assertThat(removed).contains("idle").doesNotContain("busy");
    // Keys inserted in the last ten minutes are still there.
    assertThat(group.getIfPresent("new-29")).isEqualTo("new-29");
    assertThat(group.getIfPresent("new-25")).isEqualTo("new-25");
  }

  @Test
  void aKeyIsNotExpiredBeforeItHasBeenIdleForTheExpiry() {
    Group<String> group =
        Group.builder(key -> key).expireAfterAccess(Duration.ofMinutes(10)).ticker(ticker).build();
    group.get("a");
    ticker.advance(Duration.ofMinutes(9));
    group.get("trigger-1");
    assertThat(group.getIfPresent("a")).isEqualTo("a");
    // Sweeps run at most every half expiry, so "a" goes at the first insertion after the
    // next sweep is due: after 10 minutes idle, and within 15.
    ticker.advance(Duration.ofMinutes(6));
    group.get("trigger-2");
    assertThat(group.getIfPresent("a")).isNull();
    assertThat(group.getIfPresent("trigger-2")).isEqualTo("trigger-2");
  }

  @Test
  void sizeIsBoundedAndRecentlyUsedKeysSurvive() {
    Group<String> group = Group.builder(key -> key).maximumSize(100).ticker(ticker).build();
    for (int i = 0; i < 1_000; i++) {
      group.get("hot");
      group.get("cold-" + i);
      assertThat(group.size()).isLessThanOrEqualTo(100);
      ticker.advance(Duration.ofMillis(1));
    }
    assertThat(group.getIfPresent("hot")).isEqualTo("hot");
    assertThat(group.getIfPresent("cold-999")).isEqualTo("cold-999");
    assertThat(group.getIfPresent("cold-0")).isNull();
  }

  @Test
  void aKeyInSteadyUseSurvivesAFloodOfOneOffKeys() {
    AtomicInteger made = new AtomicInteger();
    Group<Object> group =
        Group.builder(
                key -> {
                  if (key.equals("steady")) {
                    made.incrementAndGet();
                  }
                  return new Object();
                })
            .maximumSize(1_000)
            .ticker(ticker)
            .build();
    Object first = null;
    for (int round = 0; round < 50; round++) {
      Object steady = group.get("steady");
      if (round == 2) {
        first = steady;
      }
      if (round > 2) {
        assertThat(steady).as("round %d", round).isSameAs(first);
      }
      for (int i = 0; i < 1_000; i++) {
        group.get("once-" + round + "-" + i);
        ticker.advance(Duration.ofMillis(1));
      }
      assertThat(group.size()).isLessThanOrEqualTo(1_000);
    }
    // Seen once among a thousand other keys, it may go; seen again, it is known and stays.
    assertThat(made).hasValueLessThanOrEqualTo(2);
  }

  @Test
  void aKeyNoLongerUsedGoesOnceItsProtectionRunsOut() {
    Group<String> group = Group.builder(key -> key).maximumSize(1_000).ticker(ticker).build();
    for (int round = 0; round < 8; round++) {
      if (round < 3) {
        group.get("former"); // dropped once, then known while in use
      }
      for (int i = 0; i < 1_000; i++) {
        group.get("once-" + round + "-" + i);
        ticker.advance(Duration.ofMillis(1));
      }
      if (round == 3) {
        assertThat(group.getIfPresent("former")).isEqualTo("former");
      }
    }
    // Known for twice the maximum size of drops after its last use: then it goes like the rest.
    assertThat(group.getIfPresent("former")).isNull();
  }

  @Test
  void aFloodOfAMillionDistinctKeysStaysWithinTheBound() throws Exception {
    Group<int[]> group = Group.builder(key -> new int[1]).maximumSize(10_000).build();
    int threads = 4;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch start = new CountDownLatch(1);
    AtomicInteger maxSeen = new AtomicInteger();
    List<Future<?>> futures = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int id = t;
      futures.add(
          pool.submit(
              () -> {
                start.await();
                for (int i = 0; i < 250_000; i++) {
                  group.get(id + ":" + i);
                  if ((i & 1023) == 0) {
                    maxSeen.accumulateAndGet((int) group.size(), Math::max);
                  }
                }
                return null;
              }));
    }
    start.countDown();
    for (Future<?> f : futures) {
      f.get(120, TimeUnit.SECONDS);
    }
    pool.shutdown();
    assertThat(group.size()).isLessThanOrEqualTo(10_000);
    // Concurrent inserts may overshoot by at most one key per thread before a sweep catches up.
    assertThat(maxSeen.get()).isLessThanOrEqualTo(10_000 + threads);
  }

  @Test
  void clearRemovesEverythingAndReportsIt() {
    List<String> removed = new ArrayList<>();
    Group<String> group = Group.builder(key -> key).onRemoval((k, v) -> removed.add(k)).build();
    group.get("a");
    group.get("b");
    group.clear();
    assertThat(group.size()).isZero();
    assertThat(removed).containsExactlyInAnyOrder("a", "b");
    assertThat(group.get("a")).isEqualTo("a");
  }

  @Test
  void aThrowingRemovalListenerDoesNotBreakTheGroup() {
    Group<String> group =
        Group.builder(key -> key)
            .maximumSize(1)
            .onRemoval(
                (k, v) -> {
                  throw new IllegalStateException("boom");
                })
            .build();
    group.get("a");
    group.get("b");
    assertThat(group.size()).isEqualTo(1);
    assertThat(group.get("c")).isEqualTo("c");
  }

  @Test
  void forEachSeesEveryKey() {
    Group<String> group = Group.create(key -> key.toUpperCase());
    group.get("a");
    group.get("b");
    List<String> seen = new ArrayList<>();
    group.forEach((k, v) -> seen.add(k + "=" + v));
    assertThat(seen).containsExactlyInAnyOrder("a=A", "b=B");
  }

  @Test
  void badInput() {
    Group.Builder<String> b = Group.builder(key -> key);
    assertThatThrownBy(() -> b.maximumSize(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maximumSize must be >= 1, was 0");
    assertThatThrownBy(() -> b.expireAfterAccess(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("expireAfterAccess must be > 0, was PT0S");
    assertThatThrownBy(() -> b.expireAfterAccess(Duration.ofDays(400)))
        .hasMessage("expireAfterAccess must be at most 365 days, was PT9600H");
    assertThatThrownBy(() -> b.ticker(null)).hasMessage("ticker");
    assertThatThrownBy(() -> b.onRemoval(null)).hasMessage("onRemoval");
    assertThatThrownBy(() -> Group.builder(null)).hasMessage("factory");
    Group<String> group = Group.create(key -> key.equals("null") ? null : key);
    assertThatThrownBy(() -> group.get(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("key");
    assertThatThrownBy(() -> group.get("null"))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("factory returned null for key null");
    assertThat(group.size()).isZero();
  }
}
