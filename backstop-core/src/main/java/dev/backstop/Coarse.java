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
}
