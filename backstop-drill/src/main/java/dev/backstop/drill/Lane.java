package dev.backstop.drill;

import dev.backstop.Snapshot;
import java.io.IOException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * One client and its server in the live drill: sends a numbered request through the client's
 * breaker and reports how it ended. Implementations are thread-safe.
 */
interface Lane extends AutoCloseable {

  /**
   * How a request ended, from the client's side, by cause. Exactly one per request; {@link
   * #UNANSWERED} is what the drill records for a request whose end never came.
   */
  enum Outcome {
    /** The server accepted it. */
    OK("ok"),
    /** The server answered with the backend's failure: 503 / {@code UNAVAILABLE} from the drill. */
    BACKEND("backend"),
    /** The connection was refused. */
    REFUSED("refused"),
    /** The connection was reset or closed before the answer came. */
    RESET("reset"),
    /** A time limit (connect, request, deadline) passed before the answer came. */
    TIMEOUT("timeout"),
    /** Any other error between the client and the server, or an answer the drill never sends. */
    OTHER("other"),
    /** Ended on the client's side (a cancel, the client's shutdown): ignored by the breaker. */
    IGNORED("ignored"),
    /** The breaker rejected it locally; it never left the client. */
    REJECTED("rejected"),
    /** No end arrived before the drill stopped waiting. */
    UNANSWERED("unanswered");

    private final String label;

    Outcome(String label) {
      this.label = label;
    }

    /** Returns whether this is a failure of the transport: refused, reset, timeout or other. */
    boolean transport() {
      return this == REFUSED || this == RESET || this == TIMEOUT || this == OTHER;
    }

    /** Returns the word the drill prints. */
    String label() {
      return label;
    }
  }

  /** The name shown in reports: {@code gRPC} or {@code HTTP}. */
  String name();

  /** What the lane runs, for the drill's first line. */
  String describe();

  /**
   * Sends request {@code id} asynchronously; {@code done} is called exactly once with its outcome
   * (never {@link Outcome#UNANSWERED}), on any thread.
   */
  void send(long id, Consumer<Outcome> done);

  /**
   * Sends up to {@code count} requests outside the breaker, {@code concurrency} at a time, and waits
   * for them, so that connections are open and code is compiled before the clock starts. The
   * servers do not count them.
   *
   * @throws java.io.IOException if one fails or they do not complete within a few seconds
   */
  void warmUp(int count, int concurrency) throws java.io.IOException;

  /** Returns the snapshot of the lane's breaker, or {@code null} if it has none yet. */
  Snapshot snapshot();

  /** Stops the client and the server, waiting briefly for them. */
  @Override
  void close();

  /**
   * Runs a warm-up: up to {@code count} calls of {@code send}, at most {@code concurrency} at a
   * time, each given a callback to call once with {@code null} on success or the error. It stops
   * sending after 5 seconds (a slow machine warms up on fewer) and waits for what it sent.
   *
   * @throws IOException naming {@code lane} if one fails or they are not all answered 10 seconds
   *     after the last was sent
   */
  static void warmUp(String lane, int count, int concurrency, Consumer<Consumer<Throwable>> send)
      throws IOException {
    Semaphore slots = new Semaphore(concurrency);
    AtomicReference<Throwable> failed = new AtomicReference<>();
    long stop = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    try {
      for (int i = 0; i < count && System.nanoTime() - stop < 0 && failed.get() == null; i++) {
        if (!slots.tryAcquire(10, TimeUnit.SECONDS)) {
          break;
        }
        send.accept(
            error -> {
              if (error != null) {
                failed.compareAndSet(null, error);
              }
              slots.release();
            });
      }
      if (!slots.tryAcquire(concurrency, 10, TimeUnit.SECONDS)) {
        throw new IOException(lane + " warm-up: requests unanswered after 10 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(lane + " warm-up interrupted", e);
    }
    if (failed.get() != null) {
      throw new IOException(lane + " warm-up request failed: " + failed.get(), failed.get());
    }
  }
}
