package dev.backstop;

/**
 * The keys a bounded {@link Group} dropped lately, approximately: a key that comes back soon
 * after it was dropped is in use, and a flood of keys seen once should not push it out again.
 *
 * <p>Two generations of a Bloom filter, each of at least {@code 8 × capacity} bits (a power of
 * two) with two bits per key: {@link #add} sets a key's bits in the current generation; once the
 * current generation holds {@code capacity} keys it becomes the previous one and a new current
 * generation starts empty. {@link #contains} checks both, so a dropped key is remembered for at
 * least {@code capacity} and at most {@code 2 × capacity} later drops. It may also claim a key it
 * was never told about, for about 5 % of keys when both generations are full, never the reverse.
 * Thread-safe for one writer (the group's sweeping thread, under its lock) and any number of
 * readers; a reader racing with the writer may miss a key added at that moment.
 */
final class Dropped {

  private static final int SEED = 0x9E3779B9;

  private final int capacity;
  private final int mask;
  private volatile long[] current;
  private volatile long[] previous;
  private int added;

  /** Creates a filter that remembers at least the last {@code capacity} keys, capped at 2^20. */
  Dropped(long capacity) {
    this.capacity = (int) Math.max(16, Math.min(capacity, 1 << 20));
    int bits = Integer.highestOneBit(this.capacity * 8 - 1) << 1; // a power of two, >= 8 each
    this.mask = bits - 1;
    this.current = new long[bits / 64];
    this.previous = new long[bits / 64];
  }

  /** Remembers that {@code key} was dropped; called by one thread at a time. */
  void add(String key) {
    long[] bits = current;
    int h = key.hashCode();
    set(bits, first(h));
    set(bits, second(h));
    if (++added >= capacity) {
      previous = bits;
      current = new long[bits.length];
      added = 0;
    }
  }

  /** Returns whether {@code key} was dropped lately, or seems to have been. */
  boolean contains(String key) {
    int h = key.hashCode();
    int a = first(h);
    int b = second(h);
    return isSet(current, a, b) || isSet(previous, a, b);
  }

  /** Returns the number of bits in a generation. */
  int bits() {
    return mask + 1;
  }

  private int first(int h) {
    int x = (h ^ (h >>> 16)) * SEED;
    return (x ^ (x >>> 15)) & mask;
  }

  private int second(int h) {
    int x = (h ^ (h >>> 13)) * 0x2C1B3C6D;
    x ^= x >>> 12;
    x *= 0x297A2D39;
    return (x ^ (x >>> 15)) & mask;
  }

  private static void set(long[] bits, int i) {
    bits[i >>> 6] |= 1L << i;
  }

  /** Whether both bits are set in one generation, read once. */
  private static boolean isSet(long[] bits, int a, int b) {
    return (bits[a >>> 6] & (1L << a)) != 0 && (bits[b >>> 6] & (1L << b)) != 0;
  }
}
