package dev.backstop.okhttp;

import dev.backstop.CircuitBreaker;
import dev.backstop.NotAllowedException;
import java.util.concurrent.atomic.AtomicInteger;

/** A breaker that allows or rejects everything and counts each call of the contract. */
final class CountingBreaker implements CircuitBreaker {

  final AtomicInteger allows = new AtomicInteger();
  final AtomicInteger successes = new AtomicInteger();
  final AtomicInteger failures = new AtomicInteger();
  final AtomicInteger rejections = new AtomicInteger();
  private final NotAllowedException rejection;

  private CountingBreaker(NotAllowedException rejection) {
    this.rejection = rejection;
  }

  static CountingBreaker allowing() {
    return new CountingBreaker(null);
  }

  static CountingBreaker rejecting(String name) {
    return new CountingBreaker(new NotAllowedException(name));
  }

  @Override
  public void allow() {
    allows.incrementAndGet();
    if (rejection != null) {
      throw rejection;
    }
  }

  @Override
  public void markSuccess() {
    successes.incrementAndGet();
  }

  @Override
  public void markFailed() {
    failures.incrementAndGet();
  }

  @Override
  public void markRejected() {
    rejections.incrementAndGet();
  }

  /** allows, successes, failures, rejections. */
  int[] counts() {
    return new int[] {allows.get(), successes.get(), failures.get(), rejections.get()};
  }
}
