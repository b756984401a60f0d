package dev.backstop;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Calls a {@link BreakerListener} for one operation, so that a listener which throws never breaks
 * a request: the first failure is logged, later ones are dropped silently. Once {@link #close()}d
 * (its breaker left the group) it reports nothing more.
 */
final class Notifier {

  private static final System.Logger LOGGER = System.getLogger(Notifier.class.getName());

  private final BreakerListener listener;
  private final String operation;
  private final AtomicBoolean logged = new AtomicBoolean();
  private volatile boolean closed;

  Notifier(BreakerListener listener, String operation) {
    this.listener = listener;
    this.operation = operation;
  }

  void allowed() {
    if (closed) {
      return;
    }
    try {
      listener.allowed(operation);
    } catch (Throwable e) {
      failed("allowed", e);
    }
  }

  void rejected() {
    if (closed) {
      return;
    }
    try {
      listener.rejected(operation);
    } catch (Throwable e) {
      failed("rejected", e);
    }
  }

  void success() {
    if (closed) {
      return;
    }
    try {
      listener.success(operation);
    } catch (Throwable e) {
      failed("success", e);
    }
  }

  void failure() {
    if (closed) {
      return;
    }
    try {
      listener.failure(operation);
    } catch (Throwable e) {
      failed("failure", e);
    }
  }

  void ignored() {
    if (closed) {
      return;
    }
    try {
      listener.ignored(operation);
    } catch (Throwable e) {
      failed("ignored", e);
    }
  }

  void stateChanged(Snapshot snapshot) {
    if (closed) {
      return;
    }
    try {
      listener.stateChanged(operation, snapshot);
    } catch (Throwable e) {
      failed("stateChanged", e);
    }
  }

  /** Reports the removal of the operation's breaker, once, and stops reporting. */
  void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      listener.removed(operation);
    } catch (Throwable e) {
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
