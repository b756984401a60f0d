package dev.backstop;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Calls a {@link BreakerListener} for one operation, so that a listener which throws never breaks
 * a request: the first failure is logged, later ones are dropped silently.
 */
final class Notifier {

  private static final System.Logger LOGGER = System.getLogger(Notifier.class.getName());

  private final BreakerListener listener;
  private final String operation;
  private final AtomicBoolean logged = new AtomicBoolean();

  Notifier(BreakerListener listener, String operation) {
    this.listener = listener;
    this.operation = operation;
  }

  void allowed() {
    try {
      listener.allowed(operation);
    } catch (RuntimeException | LinkageError e) {
      failed("allowed", e);
    }
  }

  void rejected(double probability) {
    try {
      listener.rejected(operation, probability);
    } catch (RuntimeException | LinkageError e) {
      failed("rejected", e);
    }
  }

  void success() {
    try {
      listener.success(operation);
    } catch (RuntimeException | LinkageError e) {
      failed("success", e);
    }
  }

  void failure() {
    try {
      listener.failure(operation);
    } catch (RuntimeException | LinkageError e) {
      failed("failure", e);
    }
  }

  void stateChanged(Snapshot snapshot) {
    try {
      listener.stateChanged(operation, snapshot);
    } catch (RuntimeException | LinkageError e) {
      failed("stateChanged", e);
    }
  }

  void removed() {
    try {
      listener.removed(operation);
    } catch (RuntimeException | LinkageError e) {
      failed("removed", e);
    }
  }

  private void failed(String event, Throwable e) {
    if (logged.compareAndSet(false, true)) {
      LOGGER.log(
          System.Logger.Level.WARNING,
          () ->
              "BreakerListener "
                  + listener
                  + " threw from "
                  + event
                  + " for operation "
                  + operation
                  + "; this and later failures of this listener for this operation are ignored",
          e);
    }
  }
}
