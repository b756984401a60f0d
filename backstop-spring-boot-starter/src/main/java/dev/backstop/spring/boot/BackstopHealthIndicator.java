package dev.backstop.spring.boot;

import dev.backstop.Backstop;
import dev.backstop.Snapshot;
import dev.backstop.State;
import java.util.Map;
import java.util.TreeMap;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;

/**
 * The health contributor {@code backstop}: {@code UP} with no operation listed while no breaker
 * is open; while some are, the configured status (by default {@code UP}, so that a backend's
 * trouble does not take this application out of service) and each open operation's snapshot.
 */
final class BackstopHealthIndicator implements HealthIndicator {

  private final Backstop backstop;
  private final Status rejecting;

  BackstopHealthIndicator(Backstop backstop, Status rejecting) {
    this.backstop = backstop;
    this.rejecting = rejecting;
  }

  @Override
  public Health health() {
    Map<String, Snapshot> snapshots = backstop.snapshots();
    Map<String, Snapshot> open = new TreeMap<>();
    snapshots.forEach(
        (operation, snapshot) -> {
          if (snapshot.state() == State.OPEN) {
            open.put(operation, snapshot);
          }
        });
    return Health.status(open.isEmpty() ? Status.UP : rejecting)
        .withDetail("operations", snapshots.size())
        .withDetail("open", open)
        .build();
  }
}
