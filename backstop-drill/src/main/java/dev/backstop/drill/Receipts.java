package dev.backstop.drill;

import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * The server side of the live drill's proof: which requests, by the number the client gave each,
 * reached a server. Thread-safe and lock-free.
 */
final class Receipts {

  /*
   * One bit per request number in an AtomicLongArray of 64-bit words, set with a CAS loop
   * (getAndAccumulate), so that a number received twice (a client that retried) is counted once
   * and the repeat counted apart. A number outside [0, capacity) is a stray: counted, never set.
   */

  /** The number the live drill's warm-up requests carry: answered, never counted. */
  static final long WARM_UP = -1;

  private final int capacity;
  private final AtomicLongArray words;
  private final LongAdder repeats = new LongAdder();
  private final LongAdder strays = new LongAdder();

  /** Receipts for request numbers 0 to {@code capacity - 1}. */
  Receipts(int capacity) {
    if (capacity < 0) {
      throw new IllegalArgumentException("capacity must be >= 0, was " + capacity);
    }
    this.capacity = capacity;
    this.words = new AtomicLongArray((capacity + 63) / 64);
  }

  /** Records that request {@code id} reached the server; {@link #WARM_UP} is not recorded. */
  void mark(long id) {
    if (id == WARM_UP) {
      return;
    }
    if (id < 0 || id >= capacity) {
      strays.increment();
      return;
    }
    long bit = 1L << id;
    long old = words.getAndAccumulate((int) (id >>> 6), bit, (w, b) -> w | b);
    if ((old & bit) != 0) {
      repeats.increment();
    }
  }

  /** Returns whether request {@code id} reached the server. */
  boolean contains(int id) {
    return id >= 0 && id < capacity && (words.get(id >>> 6) & (1L << id)) != 0;
  }

  /** Returns how many distinct requests reached the server. */
  long received() {
    long n = 0;
    for (int i = 0; i < words.length(); i++) {
      n += Long.bitCount(words.get(i));
    }
    return n;
  }

  /** Returns how many times a request reached the server again after its first time. */
  long repeats() {
    return repeats.sum();
  }

  /** Returns how many requests carried no number the client gave. */
  long strays() {
    return strays.sum();
  }
}
