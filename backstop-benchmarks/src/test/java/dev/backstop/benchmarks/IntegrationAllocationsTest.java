package dev.backstop.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.backstop.benchmarks.Histogram.Count;
import dev.backstop.benchmarks.IntegrationAllocations.Census;
import dev.backstop.benchmarks.IntegrationAllocations.Site;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IntegrationAllocationsTest {

  @Test
  void countsExactlyTheObjectsTheGuardedCallAddsAndWhereBackstopCodeMadeThem(@TempDir Path dir)
      throws Exception {
    Path out = dir.resolve("census.json");
    Process java =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:-UseTLAB",
                "-Xmx512m",
                "-Xmn384m",
                "-cp",
                System.getProperty("java.class.path"),
                FakeCensus.class.getName(),
                out.toString())
            .inheritIO()
            .start();
    assertThat(java.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(java.exitValue()).isZero();

    Census census = new ObjectMapper().readValue(out.toFile(), Census.class);

    assertThat(census.client()).isEqualTo("fake");
    assertThat(census.added()).containsExactly(new Count("dev.backstop.fake.Token", 1.0, 16.0));
    assertThat(census.guarded().objects() - census.plain().objects()).isCloseTo(1.0, within(0.05));
    assertThat(census.sites()).hasSize(1);
    Site site = census.sites().get(0);
    assertThat(site.site()).isEqualTo("dev.backstop.fake.Token <- Token.make:13");
    assertThat(site.objects()).isEqualTo(1.0);
    assertThat(census.backstopObjects()).isEqualTo(1.0);
  }

  @Test
  void refusesToCountWithThreadLocalAllocationBuffersOn() {
    assertThatThrownBy(() -> IntegrationAllocations.perCall(() -> null, 100))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("count allocations with -XX:-UseTLAB");
  }

  @Test
  void siteClassesAreSummarisedForTheTargetsTable() {
    Census census =
        new Census(
            "c",
            10,
            new Count("plain", 10, 100),
            new Count("guarded", 12, 164),
            List.of(),
            List.of(
                new Site("dev.backstop.grpc.GuardedCall <- I.interceptCall:1", 1.0),
                new Site("[J <- SreBreaker$Frame.advance:484", 0.01)));

    assertThat(census.backstopObjects()).isEqualTo(1.01);
    assertThat(census.everyCallObjects()).isEqualTo(1.0);
    assertThat(Report.classes(census)).isEqualTo(" (GuardedCall 1.00)");
  }
}
