package dev.backstop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The rolling window on its own: packed counters, frames, rotation and late records. */
class WindowTest {

  private static final long MS = 1_000_000L;
  private static final long ORIGIN = -7_123_456_789L;

  /** 10 buckets of 300 ms: a 3 s window. */
  private final Window window = new Window(10, 300 * MS, ORIGIN);

  private long requests(long now) {
    return Window.requests(Window.inWindow(window.current(now), window.outcomes()));
  }

  private long accepts(long now) {
    return Window.accepts(Window.inWindow(window.current(now), window.outcomes()));
  }

  private long rejections(long now) {
    return Window.rejectionsInWindow(window.current(now), window.rejections(), 0);
  }

  @Test
  void countsOutcomesAndRejectionsInTheWholeWindow() {
    window.success(ORIGIN);
    window.success(ORIGIN + 100 * MS);
    window.failure(ORIGIN + 400 * MS);
    window.rejection(ORIGIN + 2_999 * MS);
    long now = ORIGIN + 2_999 * MS;
    assertThat(requests(now)).isEqualTo(3);
    assertThat(accepts(now)).isEqualTo(2);
    assertThat(rejections(now)).isEqualTo(1);
    Window.Frame f = window.current(now);
    assertThat(Window.requests(Window.inCurrent(f, window.outcomes()))).isZero();
    assertThat(f.end).isEqualTo(ORIGIN + 3_000 * MS);
  }

  @Test
  void countsLeaveBucketByBucket() {
    for (int i = 0; i < 10; i++) {
      for (int j = 0; j <= i; j++) {
        window.success(ORIGIN + i * 300 * MS); // bucket i holds i + 1 accepts
      }
    }
    assertThat(accepts(ORIGIN + 2_999 * MS)).isEqualTo(55);
    assertThat(accepts(ORIGIN + 3_000 * MS)).isEqualTo(54); // bucket 0 has left
    assertThat(accepts(ORIGIN + 3_299 * MS)).isEqualTo(54);
    assertThat(accepts(ORIGIN + 3_300 * MS)).isEqualTo(52);
    assertThat(accepts(ORIGIN + 4_200 * MS)).isEqualTo(54 - 2 - 3 - 4 - 5);
  }

  @Test
  void anIdleGapLongerThanTheWindowEmptiesIt() {
    window.failure(ORIGIN);
    window.rejection(ORIGIN);
    long later = ORIGIN + 3_000 * MS + 1;
    assertThat(requests(later)).isZero();
    assertThat(rejections(later)).isZero();
    assertThat(window.current(later).end).isEqualTo(ORIGIN + 3_300 * MS);
  }

  @Test
  void aLateRecordCountsInTheBucketOfItsOwnTime() {
    // 150 requests sent at 0 time out at 2.9 s; nothing else happens in between.
    for (int i = 0; i < 150; i++) {
      window.failure(ORIGIN + 2_900 * MS);
    }
    // They belong to the bucket [2.7 s, 3.0 s), so they stay until it leaves at 5.7 s.
    assertThat(requests(ORIGIN + 3_000 * MS)).isEqualTo(150);
    assertThat(requests(ORIGIN + 5_699 * MS)).isEqualTo(150);
    assertThat(requests(ORIGIN + 5_700 * MS)).isZero();
  }

  @Test
  void packedCountsAreExactAcrossWrapAround() {
    // Cumulative values just below 2^64: 5 requests (3 accepted) and 7 rejections ago.
    long start = -5 * Window.REQUEST - 3 * Window.ACCEPT;
    Window.Frame f = new Window.Frame(0, new long[] {start, start}, new long[] {-7, -7});
    long now = 4 * Window.REQUEST + 2 * Window.ACCEPT; // wrapped past zero since
    long packed = Window.inWindow(f, now);
    assertThat(Window.requests(packed)).isEqualTo(9);
    assertThat(Window.accepts(packed)).isEqualTo(5);
    assertThat(Window.rejectionsInWindow(f, 3, 0)).isEqualTo(3); // from 0: counts after it only
    assertThat(Window.rejectionsInWindow(f, 3, Long.MIN_VALUE)).isEqualTo(10);
  }

  @Test
  void acceptsNeverCarryIntoRequests() {
    // 2^32 - 1 accepts, then more: the difference keeps its halves apart.
    long start = 0xFFFF_FFFFL; // cumulative accepts at the start: 2^32 - 1
    Window.Frame f = new Window.Frame(0, new long[] {start}, new long[] {0});
    long now = start + 3 * (Window.REQUEST | Window.ACCEPT);
    assertThat(Window.requests(Window.inWindow(f, now))).isEqualTo(3);
    assertThat(Window.accepts(Window.inWindow(f, now))).isEqualTo(3);
  }

  @Test
  void rejectionsAreNeverNegativeWhateverTheReadOrder() {
    Window.Frame f = new Window.Frame(0, new long[] {0}, new long[] {10});
    // A forgiveness point read after the count it forgives must not make the count negative.
    assertThat(Window.rejectionsInWindow(f, 12, 15)).isZero();
    assertThat(Window.rejectionsInWindow(f, 12, 11)).isEqualTo(1);
    assertThat(Window.rejectionsInWindow(f, 12, 0)).isEqualTo(2);
  }

  @ParameterizedTest
  @ValueSource(longs = {Long.MIN_VALUE, -1, 0, Long.MAX_VALUE - 1_000_000_000L})
  void worksAtAnyTimeOrigin(long origin) {
    Window w = new Window(10, 300 * MS, origin);
    w.failure(origin);
    long mid = origin + 1_500 * MS; // crosses Long.MAX_VALUE for the last origin
    assertThat(Window.requests(Window.inWindow(w.current(mid), w.outcomes()))).isEqualTo(1);
    long end = origin + 3_000 * MS;
    assertThat(Window.requests(Window.inWindow(w.current(end), w.outcomes()))).isZero();
  }

  @Test
  void concurrentRecordsAcrossRotationsAreNeverLost() throws Exception {
    Window w = new Window(10, 60_000 * MS, ORIGIN); // a ten-minute window
    AtomicLong clock = new AtomicLong(ORIGIN);
    int threads = 4;
    int perThread = 50_000;
    List<Callable<Void>> tasks = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int id = t;
      tasks.add(
          () -> {
            for (int i = 0; i < perThread; i++) {
              long now = clock.get();
              if ((i + id) % 3 == 0) {
                w.failure(now);
              } else {
                w.success(now);
              }
              w.rejection(now);
            }
            return null;
          });
    }
    // Another thread moves time one bucket at a time, well inside the window.
    tasks.add(
        () -> {
          for (int i = 0; i < 5; i++) {
            w.current(clock.addAndGet(60_000 * MS));
          }
          return null;
        });
    Together.run(tasks);
    long failures = 0;
    for (int t = 0; t < threads; t++) {
      for (int i = 0; i < perThread; i++) {
        failures += (i + t) % 3 == 0 ? 1 : 0;
      }
    }
    Window.Frame f = w.current(clock.get());
    long packed = Window.inWindow(f, w.outcomes());
    assertThat(Window.requests(packed)).isEqualTo((long) threads * perThread);
    assertThat(Window.accepts(packed)).isEqualTo((long) threads * perThread - failures);
    assertThat(Window.rejectionsInWindow(f, w.rejections(), 0))
        .isEqualTo((long) threads * perThread);
  }

  @Test
  void badShape() {
    assertThatThrownBy(() -> new Window(0, 1, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("buckets and bucketNanos must be >= 1, was 0 and 1");
  }
}
