package dev.backstop.drill;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import picocli.CommandLine;

/** Reads durations as people write them: {@code 3s}, {@code 250ms}, {@code 1.5s}, {@code 0}. */
final class DurationConverter implements CommandLine.ITypeConverter<Duration> {

  @Override
  public Duration convert(String value) {
    String v = value.trim().toLowerCase(Locale.ROOT);
    try {
      if (v.equals("0")) {
        return Duration.ZERO;
      }
      if (v.startsWith("pt")) {
        return Duration.parse(v.toUpperCase(Locale.ROOT));
      }
      if (v.endsWith("ms")) {
        return nanos(v.substring(0, v.length() - 2), 1e6);
      }
      if (v.endsWith("s")) {
        return nanos(v.substring(0, v.length() - 1), 1e9);
      }
    } catch (NumberFormatException | DateTimeParseException e) {
      // fall through to the message below
    }
    throw new CommandLine.TypeConversionException(
        "duration must look like 3s, 250ms or 0, was '" + value + "'");
  }

  private static Duration nanos(String number, double unit) {
    double nanos = Double.parseDouble(number) * unit;
    if (!(Math.abs(nanos) < 1e18)) {
      throw new NumberFormatException(number);
    }
    return Duration.ofNanos(Math.round(nanos));
  }
}
