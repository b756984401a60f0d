package dev.backstop.drill;

import dev.backstop.Snapshot;
import java.util.function.Consumer;

/**
 * One client and its server in the live drill: sends a request through the client's breaker and
 * reports how it ended. Implementations are thread-safe.
 */
interface Lane extends AutoCloseable {

  /** How a request ended, from the client's side. */
  enum Outcome {
    /** The server accepted it. */
    OK,
    /** It reached the server (or at least left the client) and failed. */
    FAILED,
    /** The breaker rejected it locally; it never left the client. */
    REJECTED
  }

  /** The name shown in reports: {@code gRPC} or {@code HTTP}. */
  String name();

  /** Sends one request asynchronously; {@code done} is called exactly once with its outcome. */
  void send(Consumer<Outcome> done);

  /**
   * Sends one request outside the breaker and waits for it, so that the connection is open.
   *
   * @throws java.io.IOException if it does not complete within a few seconds
   */
  void warmUp() throws java.io.IOException;

  /** Returns the snapshot of the lane's breaker, or {@code null} if it has none yet. */
  Snapshot snapshot();

  /** Stops the client and the server, waiting briefly for them. */
  @Override
  void close();
}
