package io.grpc.rls;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/**
 * gRPC-java's own SRE adaptive throttler (the RLS load balancer's), with its defaults (30 s history,
 * ratio for accepts 2, padding 8), in the same shape as Backstop's healthy path. The class is
 * package-private, hence this benchmark's package.
 *
 * <p>Thread-safe: JMH shares one throttler between the benchmark threads.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class GrpcAdaptiveThrottler {

  private final AdaptiveThrottler throttler = AdaptiveThrottler.builder().build();

  /** shouldThrottle, then registerBackendResponse(false): the backend accepted the request. */
  @Benchmark
  public boolean grpcAdaptiveThrottler() {
    boolean throttled = throttler.shouldThrottle();
    throttler.registerBackendResponse(false);
    return throttled;
  }
}
