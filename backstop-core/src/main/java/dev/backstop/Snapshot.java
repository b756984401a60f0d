package dev.backstop;

/**
 * What a breaker knows at one moment: the counts in its window and the decision they lead to.
 *
 * @param total the requests the rejection rule counts in the window (requests sent, plus local
 *     rejections where the breaker counts them)
 * @param accepts the requests in the window that the backend accepted
 * @param probability the probability, in [0, 1), that the next request is rejected
 * @param state {@link State#OPEN} if the rejection rule is in force, else {@link State#CLOSED}
 */
public record Snapshot(long total, long accepts, double probability, State state) {

  /** Checks the values. */
  public Snapshot {
    if (total < 0) {
      throw new IllegalArgumentException("total must be >= 0, was " + total);
    }
    if (accepts < 0 || accepts > total) {
      throw new IllegalArgumentException("accepts must be in [0, total], was " + accepts);
    }
    if (!(probability >= 0 && probability < 1)) {
      throw new IllegalArgumentException("probability must be in [0, 1), was " + probability);
    }
    java.util.Objects.requireNonNull(state, "state");
  }

  @Override
  public String toString() {
    return String.format(
        java.util.Locale.ROOT,
        "%s (total=%d, accepts=%d, rejecting %.1f%%)",
        state,
        total,
        accepts,
        probability * 100);
  }
}
