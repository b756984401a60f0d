package dev.backstop.fake;

/**
 * An object made by a frame in a {@code dev.backstop} package outside the benchmarks, so that the
 * allocation census counts it as Backstop's, as it would an integration's.
 */
public final class Token {

  private Token() {}

  /** Allocates one token. */
  public static Token make() {
    return new Token();
  }
}
