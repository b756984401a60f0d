package dev.backstop.benchmarks;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.backstop.benchmarks.Integrations.Loopback;
import dev.backstop.fake.Token;
import java.nio.file.Path;

/**
 * Runs {@link IntegrationAllocations#count} on a client whose guarded call allocates exactly one
 * {@link Token} beyond its plain call, in a JVM started with {@code -XX:-UseTLAB} by {@link
 * IntegrationAllocationsTest}; writes the census as JSON to the path given.
 */
public final class FakeCensus {

  private FakeCensus() {}

  public static void main(String[] args) throws Exception {
    IntegrationAllocations.Census census = IntegrationAllocations.count(new Fake(), 5_000, 20_000);
    new ObjectMapper().writeValue(Path.of(args[0]).toFile(), census);
  }

  /** A "call" that allocates a small array; the guarded one a token as well. */
  static final class Fake implements Loopback {
    // Stored, so that escape analysis cannot remove the allocations.
    private Object last;
    private Token token;

    @Override
    public String client() {
      return "fake";
    }

    @Override
    public void start() {}

    @Override
    public Object plain() {
      last = new long[] {System.nanoTime()};
      return last;
    }

    @Override
    public Object guarded() {
      token = Token.make();
      last = new long[] {System.nanoTime()};
      return last;
    }

    @Override
    public void stop() {}
  }
}
