package io.grpc.rls;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class GrpcAdaptiveThrottlerTest {

  @Test
  void neverThrottlesABackendThatAcceptsEverything() {
    GrpcAdaptiveThrottler benchmark = new GrpcAdaptiveThrottler();
    int throttled = 0;
    for (int i = 0; i < 1_000; i++) {
      if (benchmark.grpcAdaptiveThrottler()) {
        throttled++;
      }
    }

    assertThat(throttled).isZero();
  }
}
