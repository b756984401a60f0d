package dev.backstop.http;

import dev.backstop.CircuitBreaker;
import dev.backstop.NotAllowedException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** A breaker that counts each call of the contract, and rejects while told to. Thread-safe. */
final class CountingBreaker implements CircuitBreaker {

  final NotAllowedException rejection = new NotAllowedException("counting");
  final AtomicInteger allowed = new AtomicInteger();
  final AtomicInteger successes = new AtomicInteger();
  final AtomicInteger failures = new AtomicInteger();
  final AtomicInteger rejections = new AtomicInteger();
  private final Semaphore marks = new Semaphore(0);
  volatile boolean reject;

  @Override
  public void allow() {
    if (reject) {
      throw rejection;
    }
    allowed.incrementAndGet();
  }

  @Override
  public void markSuccess() {
    successes.incrementAndGet();
    marks.release();
  }

  @Override
  public void markFailed() {
    failures.incrementAndGet();
    marks.release();
  }

  @Override
  public void markRejected() {
    rejections.incrementAndGet();
  }

  /** Waits until {@code n} more successes or failures have been marked. */
  void awaitMarks(int n) throws InterruptedException {
    if (!marks.tryAcquire(n, 10, TimeUnit.SECONDS)) {
      throw new AssertionError("expected " + n + " more marks within 10 s: " + counts());
    }
  }

  /** allowed, successes, failures, rejections: for one exact assertion. */
  String counts() {
    return "allowed=" + allowed + " successes=" + successes + " failures=" + failures
        + " rejections=" + rejections;
  }
}
