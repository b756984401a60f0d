package dev.backstop.spring.boot;

import dev.backstop.Backstop;
import dev.backstop.CircuitBreaker;
import dev.backstop.SreBreaker;
import dev.backstop.Ticker;
import dev.backstop.spring.boot.BackstopProperties.Breaker;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Makes each operation's {@link SreBreaker} from the properties: its own options, else those under
 * {@code backstop}, else the builder's defaults. Only options that are set reach the builder, so
 * the defaults have one source, the builder.
 */
final class Breakers implements Function<String, CircuitBreaker> {

  private static final String PREFIX = "backstop.";

  private final Breaker defaults;
  private final Map<String, Breaker> operations;
  private final Ticker ticker;

  Breakers(BackstopProperties properties, Ticker ticker) {
    this.defaults = properties.defaults();
    this.operations = properties.operations();
    this.ticker = Objects.requireNonNull(ticker, "ticker");
  }

  @Override
  public CircuitBreaker apply(String operation) {
    Breaker own = operations.get(operation);
    return builder(defaults, own, null).name(operation).ticker(ticker).build();
  }

  @Override
  public String toString() {
    return "SreBreaker per operation from backstop.* (" + operations.size() + " with their own)";
  }

  /**
   * Checks every value by building what it configures, so that a bad one fails at startup with
   * the builder's message naming its property.
   *
   * @throws IllegalArgumentException naming the property, if a value is bad
   */
  static void check(
      Breaker defaults, Map<String, Breaker> operations, Long maximumSize, Duration expireAfterAccess) {
    Backstop.Builder group = Backstop.builder();
    try {
      if (maximumSize != null) {
        group.maximumSize(maximumSize);
      }
      if (expireAfterAccess != null) {
        group.expireAfterAccess(expireAfterAccess);
      }
    } catch (IllegalArgumentException e) {
      throw renamed(e, PREFIX);
    }
    builder(defaults, null, null).build();
    operations.forEach(
        (operation, own) -> {
          if (own == null) {
            return;
          }
          String prefix = PREFIX + "operations[" + operation + "].";
          builder(defaults, own, prefix).build();
        });
  }

  /**
   * Returns a builder with the options of {@code own} (may be null) over those of {@code
   * defaults}. With {@code prefix} (a check), a bad value throws naming the property of the level
   * that set it: {@code prefix} for {@code own}'s options, {@code backstop.} for the others.
   */
  private static Checked builder(Breaker defaults, Breaker own, String prefix) {
    Breaker o = own == null ? new Breaker(null, null, null, null, null, null, null, null) : own;
    boolean original = Boolean.TRUE.equals(first(o.original(), defaults.original()));
    Checked b = new Checked(original ? SreBreaker.original() : SreBreaker.builder(), o, prefix);
    b.set("success", first(o.success(), defaults.success()), b.builder::success);
    b.set("request", first(o.request(), defaults.request()), b.builder::request);
    b.set("window", first(o.window(), defaults.window()), b.builder::window);
    b.set("bucket", first(o.bucket(), defaults.bucket()), b.builder::bucket);
    b.set("recent", first(o.recent(), defaults.recent()), b.builder::recent);
    b.set("probe", first(o.probe(), defaults.probe()), b.builder::probe);
    b.set("forgive", first(o.forgive(), defaults.forgive()), b.builder::forgive);
    return b;
  }

  private static <T> T first(T own, T fallback) {
    return own != null ? own : fallback;
  }

  /**
   * Returns {@code e} with its message's leading option name replaced by the property's full
   * name: {@code success must be in [0.01, 1], was 1.5} becomes {@code backstop.success must be in
   * [0.01, 1], was 1.5}; {@code maximumSize} becomes {@code backstop.maximum-size}.
   */
  private static IllegalArgumentException renamed(IllegalArgumentException e, String prefix) {
    String message = String.valueOf(e.getMessage());
    int space = message.indexOf(' ');
    String option = space < 0 ? message : message.substring(0, space);
    return new IllegalArgumentException(
        prefix + kebab(option) + message.substring(option.length()));
  }

  private static String kebab(String camel) {
    return camel.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
  }

  /** A breaker builder that knows, while checking, which level set each option. */
  private static final class Checked {
    final SreBreaker.Builder builder;
    private final Breaker own;
    private final String prefix;

    Checked(SreBreaker.Builder builder, Breaker own, String prefix) {
      this.builder = builder;
      this.own = own;
      this.prefix = prefix;
    }

    <T> void set(String option, T value, Consumer<T> setter) {
      if (value == null) {
        return;
      }
      try {
        setter.accept(value);
      } catch (IllegalArgumentException e) {
        throw renamed(e, levelOf(option));
      }
    }

    Checked name(String name) {
      builder.name(name);
      return this;
    }

    Checked ticker(Ticker ticker) {
      builder.ticker(ticker);
      return this;
    }

    SreBreaker build() {
      try {
        return builder.build();
      } catch (IllegalArgumentException e) {
        String message = String.valueOf(e.getMessage());
        int space = message.indexOf(' ');
        String level = levelOf(space < 0 ? message : message.substring(0, space));
        if (prefix != null && level.equals(PREFIX)) {
          // A value under backstop that clashes with one of this operation's: name both.
          IllegalArgumentException named = renamed(e, PREFIX);
          throw new IllegalArgumentException(
              prefix.substring(0, prefix.length() - 1) + ": " + named.getMessage());
        }
        throw renamed(e, level);
      }
    }

    /** The prefix of the property that set {@code option}: the operation's if it set it. */
    private String levelOf(String option) {
      if (prefix == null) {
        return PREFIX;
      }
      boolean setHere =
          switch (option) {
            case "success" -> own.success() != null;
            case "request" -> own.request() != null;
            case "window" -> own.window() != null;
            case "bucket" -> own.bucket() != null;
            case "recent" -> own.recent() != null;
            case "probe" -> own.probe() != null;
            case "forgive" -> own.forgive() != null;
            default -> true;
          };
      return setHere ? prefix : PREFIX;
    }
  }
}
