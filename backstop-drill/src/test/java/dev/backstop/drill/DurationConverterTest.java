package dev.backstop.drill;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class DurationConverterTest {

  private final DurationConverter converter = new DurationConverter();

  @Test
  void readsDurationsAsPeopleWriteThem() {
    assertThat(converter.convert("3s")).isEqualTo(Duration.ofSeconds(3));
    assertThat(converter.convert("1.5s")).isEqualTo(Duration.ofMillis(1500));
    assertThat(converter.convert("250ms")).isEqualTo(Duration.ofMillis(250));
    assertThat(converter.convert(" 0 ")).isEqualTo(Duration.ZERO);
    assertThat(converter.convert("PT2M")).isEqualTo(Duration.ofMinutes(2));
    assertThat(converter.convert("-1s")).isEqualTo(Duration.ofSeconds(-1));
  }

  @Test
  void rejectsAnythingElseWithTheValue() {
    for (String bad : new String[] {"3", "s", "3 parsecs", "1e30s", "PTxS"}) {
      assertThatThrownBy(() -> converter.convert(bad))
          .isInstanceOf(CommandLine.TypeConversionException.class)
          .hasMessage("duration must look like 3s, 250ms or 0, was '" + bad + "'");
    }
  }
}
