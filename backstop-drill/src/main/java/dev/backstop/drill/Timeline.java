package dev.backstop.drill;

import java.time.Duration;
import java.util.List;

/**
 * The record of a run, simulated or live: its phases and what happened in each 100 ms slot.
 *
 * <p>Values are immutable and thread-safe.
 *
 * @param phases the phases in order; the first starts at time 0
 * @param slots one entry per {@link #SLOT} from time 0, exactly as many as the phases span
 */
public record Timeline(List<Phase> phases, List<Slot> slots) {

  /** The length of a slot: 100 ms. */
  public static final Duration SLOT = Duration.ofMillis(100);

  /** Checks that the slots cover the phases exactly, and copies the lists. */
  public Timeline {
    phases = List.copyOf(phases);
    slots = List.copyOf(slots);
    if (phases.isEmpty()) {
      throw new IllegalArgumentException("phases must not be empty, was " + phases);
    }
    int expected = 0;
    for (Phase phase : phases) {
      expected += phase.slots();
    }
    if (slots.size() != expected) {
      throw new IllegalArgumentException(
          "slots must number " + expected + " to cover the phases, was " + slots.size());
    }
  }

  /** Returns the index of the first slot of phase {@code index}. */
  public int start(int index) {
    int start = 0;
    for (int i = 0; i < index; i++) {
      start += phases.get(i).slots();
    }
    return start;
  }

  /** Returns the length of the run. */
  public Duration duration() {
    return SLOT.multipliedBy(slots.size());
  }
}
