package dev.backstop;

/**
 * A ticker read from a field that follows another ticker, its {@link #source()}, at a coarser
 * grain: its readings lag the source's and repeat until they move. A {@link SreBreaker} given one
 * reads it instead of the source while it is called often enough, and reuses a decision until the
 * reading moves. {@link SharedClock} is the one Backstop uses; the benchmarks compare others.
 */
interface Coarse extends Ticker {

  /** The ticker this one follows, which a breaker reads on every call while it is not busy. */
  Ticker source();

  /**
   * Whether this ticker has stopped following its source at a coarser grain and reads it on
   * every call instead: a breaker then gains nothing by reading it and stays on the source.
   */
  default boolean broken() {
    return false;
  }
}
