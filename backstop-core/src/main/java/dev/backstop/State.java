package dev.backstop;

/** Whether a breaker is letting every request through or may be rejecting some. */
public enum State {
  /** Every request is allowed: too few requests in the window, or enough of them accepted. */
  CLOSED,
  /** The backend accepts too few requests: new requests are rejected with some probability. */
  OPEN
}
