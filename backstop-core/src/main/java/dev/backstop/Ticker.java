package dev.backstop;

/**
 * A source of nanosecond time, from an arbitrary origin, for measuring elapsed time.
 *
 * <p>All of Backstop's time comes from a ticker, so that tests can drive time by hand. Values may
 * be negative and may wrap around; only differences between two readings mean anything.
 * Implementations are thread-safe.
 */
@FunctionalInterface
public interface Ticker {

  /** Returns the current time in nanoseconds from an arbitrary, fixed origin. */
  long read();

  /** Returns the ticker backed by {@link System#nanoTime()}. */
  static Ticker system() {
    return SystemTicker.INSTANCE;
  }
}

/** The default ticker; an enum so it is a serializable-safe singleton with a readable name. */
enum SystemTicker implements Ticker {
  INSTANCE;

  @Override
  public long read() {
    return System.nanoTime();
  }
}
