package dev.backstop.benchmarks;

import static dev.backstop.benchmarks.JmhJson.ONE;
import static dev.backstop.benchmarks.JmhJson.TWO;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.backstop.benchmarks.JmhResults.Result;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

class JmhResultsTest {

  @Test
  void parsesNamesThreadsScoresErrorsAndAllocation() throws IOException {
    List<Result> results = JmhResults.parse(ONE).results();

    assertThat(results).hasSize(6);
    assertThat(results.get(3))
        .isEqualTo(
            new Result("BackstopBenchmarks.healthy", 1, 30.0, 1.25, "ns/op", 0.004, 16.0, 0.5));
    assertThat(results.get(2).error()).isNaN();
    assertThat(results.get(0).cpu()).isNaN();
    assertThat(results.get(0).share()).isNaN();
    assertThat(results.get(5).name()).isEqualTo("GrpcAdaptiveThrottler.grpcAdaptiveThrottler");
    assertThat(JmhResults.parse(TWO).results().get(4).bytes()).isNaN();
  }

  @Test
  void readsJdkAndSettingsFromTheFirstResult() throws IOException {
    JmhResults one = JmhResults.parse(ONE);
    assertThat(one.jdk()).isEqualTo("17.0.15 (OpenJDK 64-Bit Server VM 17.0.15+6)");
    assertThat(one.settings()).isEqualTo("1 fork, warmup 3 × 1 s, measurement 5 × 1 s");
    assertThat(JmhResults.parse("[]")).isEqualTo(new JmhResults("", "", List.of()));
  }

  @Test
  void rejectsAResultFileThatIsNotAnArray() {
    assertThatThrownBy(() -> JmhResults.parse("{\"benchmark\": \"x\"}"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("JMH results must be a JSON array, was {\"benchmark\":\"x\"}");
    assertThatThrownBy(() -> JmhResults.parse("[{\"benchmark\": \"x\""))
        .isInstanceOf(IOException.class);
  }
}
