package dev.backstop;

/**
 * How often keys have been used lately, approximately: lets a bounded {@link Group} evict keys
 * seen once before keys in steady use.
 *
 * <p>A count-min sketch: four rows of small saturating counters (0 to 15); a key's count is the
 * smallest of its four counters, so collisions can only overstate it. Every {@code 10 × width}
 * additions all counters are halved, so a key's count reflects its recent use and one-off keys
 * fade to zero. Thread-safe in the sense that concurrent calls never fail; they may lose an
 * addition, which only makes a count less precise.
 */
final class Popularity {

  /*
   * How it works. The table is one byte array of 4 rows of `width` counters, width a power of two
   * at least the group's maximum size (capped at 2^20), so the sketch costs 4 bytes per key the
   * group can hold. A key's hash is mixed with a different odd constant for each row. Counters
   * saturate at 15: beyond that, "used a lot" is all eviction needs to know. Racy on purpose:
   * additions are plain reads and writes of bytes, so two threads adding at once may lose one
   * addition; the halving pass may run concurrently with additions and lose a few of them too.
   */

  private static final int ROWS = 4;
  private static final int MAX = 15;
  private static final int[] SEEDS = {0x9E3779B9, 0x85EBCA6B, 0xC2B2AE35, 0x27D4EB2F};

  private final byte[] table;
  private final int width;
  private final int mask;
  private final int sampleSize;
  private int additions;

  /** Creates a sketch sized for a group of at most {@code maximumSize} keys. */
  Popularity(long maximumSize) {
    long w = 16;
    while (w < maximumSize && w < (1 << 20)) {
      w <<= 1;
    }
    this.width = (int) w;
    this.mask = width - 1;
    this.table = new byte[ROWS * width];
    this.sampleSize = 10 * width;
  }

  /** Counts one use of {@code key}. */
  void add(String key) {
    int h = key.hashCode();
    for (int row = 0; row < ROWS; row++) {
      int i = index(h, row);
      if (table[i] < MAX) {
        table[i]++;
      }
    }
    if (++additions >= sampleSize) {
      halve();
    }
  }

  /** Returns the approximate recent use count of {@code key}, in [0, 15]. */
  int count(String key) {
    int h = key.hashCode();
    int min = MAX;
    for (int row = 0; row < ROWS; row++) {
      min = Math.min(min, table[index(h, row)]);
    }
    return min;
  }

  /** Returns the number of counters in a row. */
  int width() {
    return width;
  }

  private int index(int hash, int row) {
    int x = (hash ^ (hash >>> 16)) * SEEDS[row];
    x ^= x >>> 15;
    x *= 0x2C1B3C6D;
    x ^= x >>> 12;
    return row * width + (x & mask);
  }

  private void halve() {
    for (int i = 0; i < table.length; i++) {
      table[i] = (byte) (table[i] >> 1);
    }
    additions = 0;
  }
}
