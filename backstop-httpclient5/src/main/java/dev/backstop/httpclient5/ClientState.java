package dev.backstop.httpclient5;

import java.io.Closeable;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the handler of one client knows about the client: whether it was closed, and its async
 * requests in flight. The builders of {@link BackstopExec} register it with the client as a
 * closeable, which the client closes before its connection manager and, for the async client,
 * after its I/O reactor: so a classic request that the close cuts sees {@link #closed()} when its
 * socket fails, and an async request in flight, which HttpClient would leave pending for ever, is
 * ended here.
 *
 * <p>Membership in the set is what says an async request has not ended: whichever of {@link
 * #ended} and the close takes a request out of the set first wins, so the close ends a request at
 * most once, and never one that already ended by itself.
 */
final class ClientState implements Closeable {

  private final Set<GuardedCallback> inFlight = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  boolean closed() {
    return closed;
  }

  /** Tracks an async request until it ends; ends it at once if the client is already closed. */
  void started(GuardedCallback guarded) {
    inFlight.add(guarded);
    if (closed && inFlight.remove(guarded)) {
      guarded.clientClosed();
    }
  }

  void ended(GuardedCallback guarded) {
    inFlight.remove(guarded);
  }

  @Override
  public void close() {
    closed = true;
    for (GuardedCallback guarded : inFlight) {
      if (inFlight.remove(guarded)) {
        guarded.clientClosed();
      }
    }
  }

  @Override
  public String toString() {
    return "ClientState(closed " + closed + ", " + inFlight.size() + " in flight)";
  }
}
