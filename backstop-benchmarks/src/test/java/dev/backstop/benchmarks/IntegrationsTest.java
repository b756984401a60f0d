package dev.backstop.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backstop.Backstop;
import dev.backstop.Snapshot;
import dev.backstop.benchmarks.Integrations.Loopback;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every loopback client answers, and only its guarded call goes through Backstop. */
class IntegrationsTest {

  @Test
  void grpcCallsTheInProcessServer() throws Exception {
    Integrations.Grpc grpc = new Integrations.Grpc();
    check(grpc, grpc.backstop, "ping");
  }

  @Test
  void jdkHttpClientCallsTheLoopbackServer() throws Exception {
    Integrations.JdkHttp http = new Integrations.JdkHttp();
    check(http, http.backstop, "ok");
  }

  @Test
  void okHttpCallsTheLoopbackServer() throws Exception {
    Integrations.OkHttp okhttp = new Integrations.OkHttp();
    check(okhttp, okhttp.backstop, "ok");
  }

  private static void check(Loopback loopback, Backstop backstop, String answer) throws Exception {
    loopback.start();
    try {
      for (int i = 0; i < 3; i++) {
        assertThat(text(loopback.plain())).isEqualTo(answer);
      }
      assertThat(backstop.snapshots()).isEmpty();
      for (int i = 0; i < 5; i++) {
        assertThat(text(loopback.guarded())).isEqualTo(answer);
      }
      Map<String, Snapshot> snapshots = backstop.snapshots();
      assertThat(snapshots).hasSize(1);
      Snapshot snapshot = snapshots.values().iterator().next();
      assertThat(snapshot.total()).isEqualTo(5);
      assertThat(snapshot.accepts()).isEqualTo(5);
    } finally {
      loopback.stop();
    }
  }

  private static String text(Object answer) {
    return answer instanceof byte[] bytes
        ? new String(bytes, StandardCharsets.US_ASCII)
        : (String) answer;
  }
}
