package dev.backstop.readme;

import dev.backstop.Backstop;
import dev.backstop.SreBreaker;
import java.time.Duration;

/** The README's configuration of core ("How it works"). */
final class CoreExamples {

  static Backstop configured() {
    // README: How it works
    Backstop backstop = Backstop.builder()
        .breakers(op -> SreBreaker.builder().name(op).success(0.5).window(Duration.ofSeconds(5)).build())
        .maximumSize(1_000)                              // bounded: keys can come from request data
        .expireAfterAccess(Duration.ofMinutes(5))
        .failureWhen(e -> !(e instanceof IllegalArgumentException))   // for call(); integrations have their own
        .build();
    return backstop;
  }

  private CoreExamples() {}
}
