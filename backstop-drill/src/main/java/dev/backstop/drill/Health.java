package dev.backstop.drill;

import java.util.concurrent.atomic.LongAdder;

/** The switch the live drill's servers read: healthy or failing, and what reached them. */
final class Health {
  private volatile boolean healthy = true;
  private final LongAdder grpc = new LongAdder();
  private final LongAdder http = new LongAdder();

  void set(boolean healthy) {
    this.healthy = healthy;
  }

  /** Counts a gRPC request that reached the server and returns whether to accept it. */
  boolean grpcReceived() {
    grpc.increment();
    return healthy;
  }

  /** Counts an HTTP request that reached the server and returns whether to accept it. */
  boolean httpReceived() {
    http.increment();
    return healthy;
  }

  /** Forgets the counts; only while no request is in flight. */
  void reset() {
    grpc.reset();
    http.reset();
  }

  long grpc() {
    return grpc.sum();
  }

  long http() {
    return http.sum();
  }
}
