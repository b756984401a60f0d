package dev.backstop;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/** A ticker moved by hand; starts at an odd origin so no code can rely on zero. */
class FakeTicker implements Ticker {
  private final AtomicLong nanos;

  FakeTicker(long origin) {
    this.nanos = new AtomicLong(origin);
  }

  FakeTicker() {
    this(-7_123_456_789L);
  }

  @Override
  public long read() {
    return nanos.get();
  }

  FakeTicker advance(Duration d) {
    nanos.addAndGet(d.toNanos());
    return this;
  }
}
