package dev.backstop.grpc;

import dev.backstop.CircuitBreaker;
import dev.backstop.NotAllowedException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntPredicate;

/**
 * A breaker that counts every call of the {@link CircuitBreaker} contract exactly, and rejects the
 * n-th {@link #allow()} (0-based) when {@link #reject} says so. Thread-safe.
 */
final class RecordingBreaker implements CircuitBreaker {

  final AtomicInteger asked = new AtomicInteger();
  final AtomicInteger allowed = new AtomicInteger();
  final AtomicInteger successes = new AtomicInteger();
  final AtomicInteger failures = new AtomicInteger();
  final AtomicInteger rejections = new AtomicInteger();
  volatile IntPredicate reject = n -> false;
  private final NotAllowedException rejection;
  private int marks; // guarded by this

  RecordingBreaker(String operation) {
    this.rejection = new NotAllowedException(operation);
  }

  @Override
  public void allow() {
    if (reject.test(asked.getAndIncrement())) {
      throw rejection;
    }
    allowed.incrementAndGet();
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

  private synchronized void marked() {
    marks++;
    notifyAll();
  }

  /** Waits up to 5 seconds until {@code n} marks of any kind have been made in all. */
  synchronized void awaitMarks(int n) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (marks < n) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new AssertionError("expected " + n + " marks, saw " + marks);
      }
      TimeUnit.NANOSECONDS.timedWait(this, left);
    }
  }

  /** Returns {@code [allowed, successes, failures, rejections]}, for one exact assertion. */
  int[] counts() {
    return new int[] {allowed.get(), successes.get(), failures.get(), rejections.get()};
  }
}
