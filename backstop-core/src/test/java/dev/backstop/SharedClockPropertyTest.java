package dev.backstop;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The system property {@value SharedClock#PROPERTY}, read once per JVM: each case runs {@link
 * ClockThreadProbe} in a JVM of its own, with this module's classes on its class path.
 */
class SharedClockPropertyTest {

  @Test
  void aBusyDefaultBreakerStartsTheClockThread() throws Exception {
    assertThat(probe(null)).isEqualTo("clock=true thread=true");
  }

  @Test
  void falseTurnsTheClockThreadOffAndBreakersStillWork() throws Exception {
    assertThat(probe("false")).isEqualTo("clock=false thread=false");
  }

  /** Runs the probe with the property set to {@code value} (unset if null); returns its line. */
  private static String probe(String value) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    if (value != null) {
      command.add("-D" + SharedClock.PROPERTY + "=" + value);
    }
    command.add("-cp");
    command.add(location(SreBreaker.class) + File.pathSeparator + location(ClockThreadProbe.class));
    command.add(ClockThreadProbe.class.getName());
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("the probe did not end within 60 s: " + command);
    }
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.exitValue()).as(out).isZero();
    return out.strip();
  }

  private static String location(Class<?> type) {
    try {
      return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }
}
