package dev.backstop.testing;

import dev.backstop.BreakerListener;
import dev.backstop.testing.RecordingBreaker.Counts;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * A {@link BreakerListener} that counts every call a {@code Backstop} reports, per operation, for
 * tests that drive real breakers (an {@code SreBreaker}, whose own counts leave out what was
 * ignored) and must still assert every outcome exactly; it lets a test wait for outcomes reported
 * on other threads. Thread-safe.
 */
public final class RecordingListener implements BreakerListener {

  private static final int ALLOWED = 0;
  private static final int SUCCESSES = 1;
  private static final int FAILURES = 2;
  private static final int IGNORED = 3;
  private static final int REJECTIONS = 4;

  private final ConcurrentHashMap<String, AtomicIntegerArray> counts = new ConcurrentHashMap<>();
  private int ends; // guarded by this

  @Override
  public void allowed(String operation) {
    add(operation, ALLOWED);
  }

  @Override
  public void success(String operation) {
    add(operation, SUCCESSES);
    ended();
  }

  @Override
  public void failure(String operation) {
    add(operation, FAILURES);
    ended();
  }

  @Override
  public void ignored(String operation) {
    add(operation, IGNORED);
    ended();
  }

  @Override
  public void rejected(String operation) {
    add(operation, REJECTIONS);
    ended();
  }

  /** Returns what was reported for {@code operation} so far; zeros if nothing was. */
  public Counts counts(String operation) {
    AtomicIntegerArray c = counts.get(operation);
    return c == null
        ? new Counts(0, 0, 0, 0, 0)
        : new Counts(
            c.get(ALLOWED), c.get(SUCCESSES), c.get(FAILURES), c.get(IGNORED), c.get(REJECTIONS));
  }

  /** Returns what was reported for every operation together. */
  public Counts counts() {
    int[] sum = new int[5];
    counts.values()
        .forEach(
            c -> {
              for (int i = 0; i < sum.length; i++) {
                sum[i] += c.get(i);
              }
            });
    return new Counts(sum[ALLOWED], sum[SUCCESSES], sum[FAILURES], sum[IGNORED], sum[REJECTIONS]);
  }

  /**
   * Waits up to {@code timeout} until {@code n} calls have ended in all (success, failure,
   * ignored or rejected), and returns the counts of every operation together.
   *
   * @throws AssertionError if they do not end in time
   */
  public synchronized Counts awaitEnds(int n, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (ends < n) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new AssertionError("expected " + n + " calls to end, saw " + ends + ": " + counts());
      }
      TimeUnit.NANOSECONDS.timedWait(this, left);
    }
    return counts();
  }

  private synchronized void ended() {
    ends++;
    notifyAll();
  }

  private void add(String operation, int event) {
    counts.computeIfAbsent(operation, k -> new AtomicIntegerArray(5)).incrementAndGet(event);
  }

  @Override
  public String toString() {
    return "RecordingListener" + counts;
  }
}
