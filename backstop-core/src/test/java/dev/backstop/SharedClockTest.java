package dev.backstop;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The shared clock and its thread: started by the first read, publishing its source every tick,
 * parked when nobody reads it, ended after a long park, started again by a read. The source is a
 * fake ticker, so the thread's idle and exit checks follow the test's time; waits are for the
 * thread to act on it, with a timeout.
 */
class SharedClockTest {

  /** A multiple of 4, so that the clock's readings (two low bits cleared) equal the source's. */
  private static final long ORIGIN = -7_123_456_788L;

  private static final long MS = 1_000_000;

  private final FakeTicker source = new FakeTicker(ORIGIN);
  private final SharedClock clock = new SharedClock(source, "test-clock");

  /** Ends the test clock's thread, as a long park does. */
  @AfterEach
  void endThread() throws InterruptedException {
    Thread thread = clock.thread();
    if (thread == null) {
      return;
    }
    park();
    source.advance(Duration.ofNanos(SharedClock.EXIT_NANOS));
    LockSupport.unpark(thread);
    thread.join(TimeUnit.SECONDS.toMillis(10));
    assertThat(thread.isAlive()).isFalse();
  }

  /** Waits, up to 10 s, until {@code condition} holds. */
  private static void await(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("timed out waiting until " + what);
      }
      LockSupport.parkNanos(100_000);
    }
  }

  /** Leaves the clock unread for two idle checks, so that its thread parks. */
  private void park() {
    source.advance(Duration.ofNanos(SharedClock.IDLE_NANOS));
    await("the thread clears the used flag", () -> !clock.used);
    source.advance(Duration.ofNanos(SharedClock.IDLE_NANOS));
    await("the thread parks", () -> clock.state() == SharedClock.PARKED);
  }

  private static long threadsNamed(String name) {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().equals(name) && t.isAlive())
        .count();
  }

  @Test
  void theFirstReadStartsOneDaemonThreadThatPublishesTheSourceEveryTick() {
    assertThat(clock.state()).isEqualTo(SharedClock.ENDED);
    assertThat(clock.thread()).isNull();
    assertThat(clock.read()).isEqualTo(ORIGIN);
    assertThat(clock.state()).isEqualTo(SharedClock.RUNNING);
    Thread thread = clock.thread();
    assertThat(thread.isDaemon()).isTrue();
    assertThat(thread.getName()).isEqualTo("test-clock");
    assertThat(thread.getContextClassLoader()).isNull();
    for (int i = 1; i <= 3; i++) {
      source.advance(Duration.ofNanos(SharedClock.TICK_NANOS));
      long expected = ORIGIN + i * SharedClock.TICK_NANOS;
      await("the clock reads " + expected, () -> clock.read() == expected);
    }
    assertThat(clock.thread()).isSameAs(thread);
  }

  @Test
  void readingsRepeatUntilTheNextTickAndHaveTheirLowBitsCleared() {
    SharedClock manual = SharedClock.manual(new FakeTicker(4 * 1_000 + 3));
    assertThat(manual.read()).isEqualTo(4_000);
    assertThat(manual.read()).isEqualTo(4_000);
    assertThat(manual.state()).isEqualTo(SharedClock.RUNNING);
  }

  @Test
  void anUnreadClockParksAndAReadStartsItAgainWithTheSourcesTimeAtOnce() {
    clock.read();
    Thread thread = clock.thread();
    park();
    source.advance(Duration.ofSeconds(10));
    // Parked, the clock holds the time it parked at; a read returns the source's time all the same.
    assertThat(clock.read()).isEqualTo(ORIGIN + 2 * SharedClock.IDLE_NANOS + 10_000 * MS);
    assertThat(clock.state()).isEqualTo(SharedClock.RUNNING);
    assertThat(clock.thread()).isSameAs(thread); // woken, not replaced
    source.advance(Duration.ofNanos(SharedClock.TICK_NANOS));
    long expected = ORIGIN + 2 * SharedClock.IDLE_NANOS + 10_000 * MS + SharedClock.TICK_NANOS;
    await("the woken thread ticks", () -> clock.read() == expected);
  }

  @Test
  void aClockInUseNeverParks() {
    clock.read();
    for (int i = 0; i < 5; i++) {
      source.advance(Duration.ofNanos(SharedClock.IDLE_NANOS));
      await("the thread checks", () -> !clock.used);
      assertThat(clock.state()).isEqualTo(SharedClock.RUNNING);
      clock.read(); // in use again before the next check
    }
  }

  @Test
  void aLongParkEndsTheThreadAndTheNextReadStartsAnother() throws InterruptedException {
    clock.read();
    Thread first = clock.thread();
    park();
    source.advance(Duration.ofNanos(SharedClock.EXIT_NANOS));
    LockSupport.unpark(first); // as its park's timeout would, a minute later
    first.join(TimeUnit.SECONDS.toMillis(10));
    assertThat(first.isAlive()).isFalse();
    assertThat(clock.state()).isEqualTo(SharedClock.ENDED);
    assertThat(clock.read()).isEqualTo(ORIGIN + 2 * SharedClock.IDLE_NANOS + SharedClock.EXIT_NANOS);
    Thread second = clock.thread();
    assertThat(second).isNotSameAs(first);
    assertThat(second.isAlive()).isTrue();
    assertThat(clock.state()).isEqualTo(SharedClock.RUNNING);
  }

  @Test
  void readersRacingToStartTheClockStartOneThread() throws Exception {
    SharedClock racing = new SharedClock(source, "racing-clock");
    List<Long> readings = new ArrayList<>();
    Together.run(
        8,
        id -> {
          long r = racing.read();
          synchronized (readings) {
            readings.add(r);
          }
        });
    assertThat(readings).hasSize(8).containsOnly(ORIGIN);
    assertThat(threadsNamed("racing-clock")).isEqualTo(1);
    Thread thread = racing.thread();
    // And once parked, racing readers wake that one thread and start no other.
    source.advance(Duration.ofNanos(SharedClock.IDLE_NANOS));
    await("the thread clears the used flag", () -> !racing.used);
    source.advance(Duration.ofNanos(SharedClock.IDLE_NANOS));
    await("the thread parks", () -> racing.state() == SharedClock.PARKED);
    Together.run(8, id -> racing.read());
    assertThat(racing.state()).isEqualTo(SharedClock.RUNNING);
    assertThat(racing.thread()).isSameAs(thread);
    assertThat(threadsNamed("racing-clock")).isEqualTo(1);
    // End it, as the test's own clock is ended after each test.
    source.advance(Duration.ofNanos(SharedClock.IDLE_NANOS));
    await("the thread clears the used flag", () -> !racing.used);
    source.advance(Duration.ofNanos(SharedClock.IDLE_NANOS));
    await("the thread parks", () -> racing.state() == SharedClock.PARKED);
    source.advance(Duration.ofNanos(SharedClock.EXIT_NANOS));
    LockSupport.unpark(thread);
    thread.join(TimeUnit.SECONDS.toMillis(10));
    assertThat(thread.isAlive()).isFalse();
  }

  @Test
  void theSystemClockFollowsNanoTimeAndTheSystemPropertyTurnsItOff() {
    SharedClock system = SharedClock.system();
    assertThat(system).isNotNull();
    assertThat(system.source()).isSameAs(Ticker.system());
    long before = System.nanoTime();
    long read = system.read();
    assertThat(system.thread().getName()).isEqualTo("backstop-clock");
    assertThat(system.thread().isDaemon()).isTrue();
    // At most a tick behind (plus the thread's delay, bounded here generously), never ahead.
    assertThat(read - System.nanoTime()).isNotPositive();
    assertThat(before - read).isLessThan(TimeUnit.SECONDS.toNanos(1));
    assertThat(SharedClock.fromProperty(null)).isTrue();
    assertThat(SharedClock.fromProperty("true")).isTrue();
    assertThat(SharedClock.fromProperty("false")).isFalse();
    assertThat(SharedClock.fromProperty("FALSE")).isFalse();
  }
}
