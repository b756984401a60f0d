package dev.backstop.drill;

/** The switch the live drill's servers read: healthy or failing. Thread-safe. */
final class Health {
  private volatile boolean healthy = true;

  void set(boolean healthy) {
    this.healthy = healthy;
  }

  boolean healthy() {
    return healthy;
  }
}
