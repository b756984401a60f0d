package dev.backstop.drill;

/**
 * What happened during one {@link Timeline#SLOT} (100 ms) of a run. Values are immutable and
 * thread-safe.
 *
 * @param offered the requests the callers made
 * @param sent the requests the breaker let through to the backend
 * @param rejected the requests the breaker rejected locally; {@code sent + rejected == offered}
 * @param failed the requests sent that failed at the backend, at most {@code sent}
 * @param probability the breaker's rejection probability at the end of the slot, in [0, 1], or
 *     {@link Double#NaN} if the breaker does not report one
 */
public record Slot(long offered, long sent, long rejected, long failed, double probability) {

  /** Checks the counts. */
  public Slot {
    if (sent < 0 || rejected < 0 || sent + rejected != offered) {
      throw new IllegalArgumentException(
          "sent + rejected must equal offered, was "
              + sent
              + " + "
              + rejected
              + " for offered "
              + offered);
    }
    if (failed < 0 || failed > sent) {
      throw new IllegalArgumentException("failed must be in [0, sent], was " + failed);
    }
    if (!(Double.isNaN(probability) || (probability >= 0 && probability <= 1))) {
      throw new IllegalArgumentException(
          "probability must be in [0, 1] or NaN, was " + probability);
    }
  }

  /** Returns the requests sent that the backend accepted. */
  public long accepted() {
    return sent - failed;
  }
}
