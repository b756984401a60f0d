package dev.backstop.spring.boot;

import dev.backstop.Backstop;
import dev.backstop.Snapshot;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.springframework.boot.actuate.endpoint.OperationResponseBody;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.Selector.Match;

/**
 * The actuator endpoint {@code backstop}: each operation's breaker as its {@link Snapshot} shows
 * it (state, rejection probability, and the window's counts of requests and accepts).
 *
 * <p>{@code /actuator/backstop} lists every operation the Backstop holds, by name; {@code
 * /actuator/backstop/{operation}} shows one, or answers 404 if the Backstop holds no breaker of
 * that name with a snapshot. An operation's name may contain slashes (a gRPC method {@code
 * package.Service/Method}, an origin {@code http://host:port}); since servers may merge the
 * double slash of an origin in a path, a name whose runs of slashes match is found too. Reading
 * creates no breaker and does not count as use.
 *
 * <p>Instances are thread-safe.
 */
@Endpoint(id = "backstop")
public final class BackstopEndpoint {

  private final Backstop backstop;

  /** Returns an endpoint that shows the breakers of {@code backstop}. */
  public BackstopEndpoint(Backstop backstop) {
    this.backstop = Objects.requireNonNull(backstop, "backstop");
  }

  /** Returns every operation the Backstop holds and its breaker's snapshot, sorted by name. */
  @ReadOperation
  public Operations operations() {
    return new Operations(new TreeMap<>(backstop.snapshots()));
  }

  /**
   * Returns the snapshot of one operation's breaker, or {@code null} (404) if there is none.
   *
   * @param path the operation's name, split at its slashes
   */
  @ReadOperation
  public Snapshot operation(@Selector(match = Match.ALL_REMAINING) String... path) {
    String name = String.join("/", path);
    Snapshot exact = backstop.snapshot(name);
    if (exact != null) {
      return exact;
    }
    String collapsed = collapse(name);
    for (Map.Entry<String, Snapshot> e : backstop.snapshots().entrySet()) {
      if (collapse(e.getKey()).equals(collapsed)) {
        return e.getValue();
      }
    }
    return null;
  }

  private static String collapse(String name) {
    return name.replaceAll("/{2,}", "/");
  }

  /**
   * The body of {@code /actuator/backstop}.
   *
   * @param operations each operation's snapshot, by name
   */
  public record Operations(Map<String, Snapshot> operations) implements OperationResponseBody {}
}
