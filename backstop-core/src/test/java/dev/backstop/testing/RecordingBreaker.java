package dev.backstop.testing;

import dev.backstop.CircuitBreaker;
import dev.backstop.NotAllowedException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntPredicate;

/**
 * A {@link CircuitBreaker} that counts every call of the contract exactly, for tests of
 * integrations. It allows every request unless {@link #rejectWhen(IntPredicate)} says otherwise,
 * and lets a test wait for a number of outcomes recorded on other threads. Thread-safe.
 */
public final class RecordingBreaker implements CircuitBreaker {

  private final AtomicInteger asked = new AtomicInteger();
  private final AtomicInteger allowed = new AtomicInteger();
  private final AtomicInteger successes = new AtomicInteger();
  private final AtomicInteger failures = new AtomicInteger();
  private final AtomicInteger rejections = new AtomicInteger();
  private final AtomicInteger ignored = new AtomicInteger();
  private final NotAllowedException rejection;
  private volatile IntPredicate reject = n -> false;
  private int marks; // guarded by this

  /** Returns a breaker whose rejections name {@code operation}. */
  public RecordingBreaker(String operation) {
    this.rejection = new NotAllowedException(operation);
  }

  /** Returns a breaker whose rejections name no operation. */
  public RecordingBreaker() {
    this(null);
  }

  /**
   * Rejects the {@code n}-th call of {@link #allow()} (counting from 0 over the breaker's life)
   * when {@code reject} holds for {@code n}; returns this breaker.
   */
  public RecordingBreaker rejectWhen(IntPredicate reject) {
    this.reject = reject;
    return this;
  }

  /** Rejects every request from now on; returns this breaker. */
  public RecordingBreaker rejectAll() {
    return rejectWhen(n -> true);
  }

  /** Returns the exception this breaker throws when it rejects. */
  public NotAllowedException rejection() {
    return rejection;
  }

  @Override
  public void allow() {
    if (reject.test(asked.getAndIncrement())) {
      throw rejection;
    }
    allowed.incrementAndGet();
    signal();
  }

  @Override
  public void markSuccess() {
    successes.incrementAndGet();
    marked();
  }

  @Override
  public void markFailed() {
    failures.incrementAndGet();
    marked();
  }

  @Override
  public void markRejected() {
    rejections.incrementAndGet();
    marked();
  }

  @Override
  public void markIgnored() {
    ignored.incrementAndGet();
    marked();
  }

  /** Returns the counts so far, for one exact assertion. */
  public Counts counts() {
    return new Counts(
        allowed.get(), successes.get(), failures.get(), ignored.get(), rejections.get());
  }

  /**
   * Waits up to {@code timeout} until {@code n} marks of any kind (success, failure, ignored,
   * rejected) have been recorded in all, and returns the counts.
   *
   * @throws AssertionError if they are not recorded in time
   */
  public synchronized Counts awaitMarks(int n, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (marks < n) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new AssertionError("expected " + n + " marks, saw " + marks + ": " + counts());
      }
      TimeUnit.NANOSECONDS.timedWait(this, left);
    }
    return counts();
  }

  /**
   * Waits up to {@code timeout} until {@link #allow()} has let {@code n} requests through in all,
   * and returns the counts.
   *
   * @throws AssertionError if they are not allowed in time
   */
  public synchronized Counts awaitAllowed(int n, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (allowed.get() < n) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new AssertionError("expected " + n + " allowed, saw " + allowed.get() + ": " + this);
      }
      TimeUnit.NANOSECONDS.timedWait(this, left);
    }
    return counts();
  }

  private synchronized void marked() {
    marks++;
    notifyAll();
  }

  private synchronized void signal() {
    notifyAll();
  }

  @Override
  public String toString() {
    return "RecordingBreaker" + counts();
  }

  /**
   * What a {@link RecordingBreaker} has recorded.
   *
   * @param allowed requests {@link #allow()} let through
   * @param successes {@code markSuccess} calls
   * @param failures {@code markFailed} calls
   * @param ignored {@code markIgnored} calls
   * @param rejections {@code markRejected} calls
   */
  public record Counts(int allowed, int successes, int failures, int ignored, int rejections) {

    /** Returns the allowed requests whose outcome is not recorded yet. */
    public int inFlight() {
      return allowed - successes - failures - ignored;
    }
  }
}
