package dev.backstop.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;
import static org.assertj.core.api.Assertions.within;

import dev.backstop.Backstop;
import dev.backstop.CircuitBreaker;
import dev.backstop.NotAllowedException;
import dev.backstop.SreBreaker;
import dev.backstop.State;
import dev.backstop.testing.FakeTicker;
import dev.backstop.testing.RecordingBreaker;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * BackstopMetrics on a group of its own with a fake ticker, so that windows and expiry are driven
 * by hand. Breakers are {@link SreBreaker#original()}: the formula's numbers do not depend on the
 * defaults.
 */
class BackstopMetricsTest {

  private static final Duration EXPIRY = Duration.ofMinutes(1);

  private final FakeTicker ticker = new FakeTicker();
  private final BackstopMetrics metrics = BackstopMetrics.create();
  private final Backstop backstop = backstop(metrics, 10);
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  private Backstop backstop(BackstopMetrics listener, long maximumSize) {
    return Backstop.builder()
        .breakers(op -> SreBreaker.original().ticker(ticker).name(op).build())
        .listener(listener)
        .ticker(ticker)
        .maximumSize(maximumSize)
        .expireAfterAccess(EXPIRY)
        .build();
  }

  private void advance(Duration d) {
    ticker.advance(d);
  }

  @Test
  void countsMatchAScriptedSequenceOfCalls() throws Exception {
    metrics.monitor(backstop).bindTo(registry);

    succeed("users.get", 30);
    fail("users.get", 5);
    succeed("orders.list", 3);

    assertCalls("users.get", 30, 5, 0);
    assertThat(allowed("users.get")).isEqualTo(35);
    assertCalls("orders.list", 3, 0, 0);
    assertThat(allowed("orders.list")).isEqualTo(3);
    assertThat(gauge(BackstopMetrics.OPERATIONS, Tags.empty())).isEqualTo(2);

    // 65 more failures bring the window to the minimum of 100 requests (30 accepted), which
    // opens users.get; from here on the script counts what actually happened to each attempt.
    fail("users.get", 65);
    long ran = 0;
    long rejected = 0;
    for (int i = 0; i < 200; i++) {
      try {
        backstop.call("users.get", () -> "ok");
        ran++;
      } catch (NotAllowedException e) {
        rejected++;
      }
    }
    assertThat(rejected).isPositive();
    assertCalls("users.get", 30 + ran, 70, rejected);
    assertThat(allowed("users.get")).isEqualTo(100 + ran);
    assertCalls("orders.list", 3, 0, 0);
  }

  @Test
  void gaugesTrackTheBreakerAsItsWindowRolls() throws Exception {
    metrics.monitor(backstop).bindTo(registry);
    succeed("users.get", 30);

    assertThat(probability("users.get")).isEqualTo(0.0);
    assertThat(state("users.get")).isEqualTo(0.0);

    fail("users.get", 70); // the window's minimum of 100 requests, 30 of them accepted
    double expected = (100 - (1 / 0.6) * 30) / (100 + 1);
    assertThat(probability("users.get")).isCloseTo(expected, within(1e-12));
    assertThat(probability("users.get"))
        .isEqualTo(backstop.snapshot("users.get").probability());
    assertThat(state("users.get")).isEqualTo(1.0);

    // No call at all: the window (3 s) passes and the gauges follow the breaker, not events.
    advance(Duration.ofSeconds(3));
    assertThat(backstop.snapshot("users.get").state()).isEqualTo(State.CLOSED);
    assertThat(probability("users.get")).isEqualTo(0.0);
    assertThat(state("users.get")).isEqualTo(0.0);
  }

  @Test
  void evictionBySizeRemovesTheOperationsMeters() throws Exception {
    Backstop small = backstop(metrics, 2);
    metrics.monitor(small).bindTo(registry);

    small.call("a", () -> "ok");
    advance(Duration.ofSeconds(1));
    small.call("b", () -> "ok");
    advance(Duration.ofSeconds(1));
    assertThat(operationsInRegistry()).containsExactlyInAnyOrder("a", "b");
    assertThat(registry.getMeters()).hasSize(2 * 7 + 1);

    small.call("c", () -> "ok"); // over the bound: "a", the oldest, goes

    assertThat(small.snapshots().keySet()).containsExactlyInAnyOrder("b", "c");
    assertThat(operationsInRegistry()).containsExactlyInAnyOrder("b", "c");
    assertThat(metrics.operations()).containsExactlyInAnyOrder("b", "c");
    assertThat(registry.getMeters()).hasSize(2 * 7 + 1);
    assertThat(gauge(BackstopMetrics.OPERATIONS, Tags.empty())).isEqualTo(2);
  }

  @Test
  void idleExpiryRemovesTheOperationsMetersAndAReturningOperationStartsAtZero() throws Exception {
    metrics.monitor(backstop).bindTo(registry);
    succeed("idle", 4);
    succeed("busy", 1);

    // The group sweeps after an insertion; "busy" is used in between, "idle" is not.
    advance(EXPIRY);
    succeed("busy", 1);
    succeed("new1", 1);
    advance(EXPIRY);
    succeed("busy", 1);
    succeed("new2", 1);

    assertThat(backstop.snapshot("idle")).isNull();
    assertThat(operationsInRegistry()).doesNotContain("idle").contains("busy", "new2");
    assertCalls("busy", 3, 0, 0);

    succeed("idle", 1);
    assertCalls("idle", 1, 0, 0);
    assertThat(allowed("idle")).isEqualTo(1);
  }

  @Test
  void aBreakerThatReportsAfterItsGroupDroppedItRegistersNothing() throws Exception {
    Backstop small = backstop(metrics, 1);
    metrics.monitor(small).bindTo(registry);
    CircuitBreaker stale = small.breaker("a");
    stale.allow();
    advance(Duration.ofSeconds(1));
    small.call("b", () -> "ok"); // drops "a"
    assertThat(operationsInRegistry()).containsExactly("b");

    stale.markSuccess(); // the call that was in flight on "a" finishes
    stale.allow();

    assertThat(operationsInRegistry()).containsExactly("b");
    assertThat(metrics.operations()).containsExactly("b");
  }

  @Test
  void aRegistryBoundAfterCallsSeesEveryCallAndSeveralRegistriesAgree() throws Exception {
    MeterBinder binder = metrics.monitor(backstop);
    succeed("users.get", 7);
    fail("users.get", 2);

    binder.bindTo(registry);
    SimpleMeterRegistry second = new SimpleMeterRegistry();
    binder.bindTo(second);
    binder.bindTo(registry); // again: nothing new
    succeed("users.get", 1);
    succeed("orders.list", 2);

    for (MeterRegistry r : List.of(registry, second)) {
      assertThat(count(r, "users.get", "success")).isEqualTo(8);
      assertThat(count(r, "users.get", "failure")).isEqualTo(2);
      assertThat(count(r, "orders.list", "success")).isEqualTo(2);
      assertThat(r.getMeters()).hasSize(2 * 7 + 1);
    }

    metrics.removed("users.get");

    for (MeterRegistry r : List.of(registry, second)) {
      assertThat(operationsIn(r)).containsExactly("orders.list");
      assertThat(r.getMeters()).hasSize(7 + 1);
    }
  }

  @Test
  void monitorReturnsOneBinderAndRefusesAnotherBackstop() {
    MeterBinder binder = metrics.monitor(backstop);
    assertThat(metrics.monitor(backstop)).isSameAs(binder);

    Backstop other = Backstop.create();
    assertThatThrownBy(() -> metrics.monitor(other))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("backstop must be the one already monitored, " + backstop + ", was " + other);
    assertThatThrownBy(() -> metrics.monitor(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("backstop");
    assertThatThrownBy(() -> binder.bindTo(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("registry");
  }

  @Test
  void operationsReportedBeforeMonitorThatTheBackstopNoLongerHoldsAreForgotten() throws Exception {
    Backstop small = backstop(metrics, 1);
    CircuitBreaker stale = small.breaker("a");
    stale.allow();
    stale.markSuccess();
    advance(Duration.ofSeconds(1));
    small.call("b", () -> "ok"); // drops "a"; nothing is bound, the listener still forgets it
    stale.allow(); // a dropped breaker reports nothing more
    assertThat(metrics.operations()).containsExactly("b");

    metrics.monitor(small).bindTo(registry);

    assertThat(metrics.operations()).containsExactly("b");
    assertThat(operationsInRegistry()).containsExactly("b");
  }

  @Test
  void allowedIsSuccessPlusFailurePlusIgnoredPlusInFlight() throws Exception {
    metrics.monitor(backstop).bindTo(registry);
    CompletableFuture<String> succeeds = new CompletableFuture<>();
    CompletableFuture<String> fails = new CompletableFuture<>();
    CompletableFuture<String> pending = new CompletableFuture<>();
    backstop.callAsync("users.get", () -> succeeds);
    backstop.callAsync("users.get", () -> fails);
    CompletableFuture<String> abandoned =
        backstop.callAsync("users.get", CompletableFuture<String>::new);
    backstop.callAsync("users.get", () -> pending);
    assertThatThrownBy(
            () -> backstop.call("users.get", () -> { throw new InterruptedException(); }))
        .isInstanceOf(InterruptedException.class);

    succeeds.complete("ok");
    fails.completeExceptionally(new IOException("down"));
    abandoned.cancel(true);

    assertThat(allowed("users.get")).isEqualTo(5);
    assertThat(count(registry, "users.get", "success")).isEqualTo(1);
    assertThat(count(registry, "users.get", "failure")).isEqualTo(1);
    assertThat(count(registry, "users.get", "ignored")).isEqualTo(2);
    assertThat(count(registry, "users.get", "rejected")).isZero();
    // One call, pending, is in flight.
    assertThat(allowed("users.get") - count(registry, "users.get", "success")
            - count(registry, "users.get", "failure") - count(registry, "users.get", "ignored"))
        .isEqualTo(1);
  }

  @Test
  void aCallThatOutlivesItsBreakerIsNotCountedInTheSeriesOfTheNextOne() throws Exception {
    Backstop small = backstop(metrics, 1);
    metrics.monitor(small).bindTo(registry);
    CircuitBreaker stale = small.breaker("stream");
    stale.allow(); // a long stream starts
    advance(Duration.ofSeconds(1));
    small.call("other", () -> "ok"); // the group drops "stream"
    small.call("stream", () -> "ok"); // a new breaker for "stream", which drops "other"

    stale.markSuccess(); // the long stream ends, on the breaker that was dropped

    assertThat(allowed("stream")).isEqualTo(1);
    assertThat(count(registry, "stream", "success")).isEqualTo(1);
  }

  @Test
  void aBreakerOfOnesOwnGetsTheCountersAndGaugesWithoutASnapshot() throws Exception {
    BackstopMetrics custom = BackstopMetrics.create();
    Backstop b =
        Backstop.builder()
            .breakers(op -> new RecordingBreaker(op).rejectWhen(n -> n == 2))
            .listener(custom)
            .build();
    custom.monitor(b).bindTo(registry);

    b.call("users.get", () -> "ok");
    assertThatThrownBy(() -> b.call("users.get", () -> { throw new IOException("down"); }))
        .isInstanceOf(IOException.class);
    assertThatThrownBy(() -> b.call("users.get", () -> "shed"))
        .isInstanceOf(NotAllowedException.class);

    assertCalls("users.get", 1, 1, 1);
    assertThat(allowed("users.get")).isEqualTo(2);
    assertThat(probability("users.get")).isNaN(); // the breaker reports no snapshot
    assertThat(state("users.get")).isNaN();
    assertThat(gauge(BackstopMetrics.OPERATIONS, Tags.empty())).isEqualTo(1);
  }

  @Test
  void twoBackstopMetricsWithTheSameTagsCannotShareARegistry() throws Exception {
    metrics.monitor(backstop).bindTo(registry);
    BackstopMetrics other = BackstopMetrics.create();
    Backstop otherBackstop = backstop(other, 10);
    MeterBinder otherBinder = other.monitor(otherBackstop);

    assertThatThrownBy(() -> otherBinder.bindTo(registry))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "registry already holds the meters of another BackstopMetrics with the tags []; give"
                + " each BackstopMetrics bound to one registry tags that tell it apart, such as"
                + " BackstopMetrics.create(Tags.of(\"client\", \"users\"))");

    // The first one's meters are its own: 3 + 5 successes do not read 3.
    succeed("users.get", 3);
    for (int i = 0; i < 5; i++) {
      otherBackstop.call("users.get", () -> "ok");
    }
    assertCalls("users.get", 3, 0, 0);
    assertThat(other).hasToString("BackstopMetrics(operations=1, registries=0)");

    // With tags that tell them apart, they share the registry.
    BackstopMetrics tagged = BackstopMetrics.create(Tags.of("client", "orders"));
    Backstop taggedBackstop = backstop(tagged, 10);
    tagged.monitor(taggedBackstop).bindTo(registry);
    for (int i = 0; i < 5; i++) {
      taggedBackstop.call("users.get", () -> "ok");
    }
    assertThat(
            registry
                .get(BackstopMetrics.CALLS)
                .tags("client", "orders", "operation", "users.get", "outcome", "success")
                .functionCounter()
                .count())
        .isEqualTo(5);
    assertThat(
            registry.find(BackstopMetrics.CALLS).tags("outcome", "success").functionCounters())
        .extracting(c -> c.getId().getTag("client"), c -> (long) c.count())
        .containsExactlyInAnyOrder(tuple(null, 3L), tuple("orders", 5L));
  }

  @Test
  void closeRemovesEveryMeterFromEveryRegistryAndStopsPublishing() throws Exception {
    MeterBinder binder = metrics.monitor(backstop);
    SimpleMeterRegistry second = new SimpleMeterRegistry();
    binder.bindTo(registry);
    binder.bindTo(second);
    succeed("users.get", 2);
    succeed("orders.list", 1);
    assertThat(registry.getMeters()).hasSize(2 * 7 + 1);

    metrics.close();
    metrics.close(); // again: nothing more

    assertThat(registry.getMeters()).isEmpty();
    assertThat(second.getMeters()).isEmpty();
    succeed("users.get", 1); // the Backstop goes on; nothing is registered again
    succeed("new.op", 1);
    assertThat(registry.getMeters()).isEmpty();
    assertThat(metrics.operations()).isEmpty();
    assertThat(metrics).hasToString("BackstopMetrics(operations=0, registries=0, closed)");
    assertThatThrownBy(() -> binder.bindTo(new SimpleMeterRegistry()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("BackstopMetrics is closed: " + metrics);
    assertThatThrownBy(() -> metrics.monitor(backstop))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("BackstopMetrics is closed: " + metrics);
    // A closed BackstopMetrics frees the registry for another one with the same tags.
    BackstopMetrics next = BackstopMetrics.create();
    next.monitor(backstop(next, 10)).bindTo(registry);
    assertThat(registry.getMeters()).hasSize(1);
  }

  @Test
  void extraTagsGoOnEveryMeter() throws Exception {
    BackstopMetrics tagged = BackstopMetrics.create(Tags.of("client", "users"));
    Backstop b = backstop(tagged, 10);
    tagged.monitor(b).bindTo(registry);
    b.call("users.get", () -> "ok");

    assertThat(registry.getMeters()).hasSize(8);
    for (Meter meter : registry.getMeters()) {
      assertThat(meter.getId().getTag("client")).as(meter.getId().toString()).isEqualTo("users");
    }
    assertThat(gauge(BackstopMetrics.OPERATIONS, Tags.of("client", "users"))).isEqualTo(1);
    assertThat(tagged).hasToString("BackstopMetrics(operations=1, registries=1, tags=[tag(client=users)])");
  }

  @Test
  void extraTagsMayNotUseTheMetersOwnKeys() {
    assertThatThrownBy(() -> BackstopMetrics.create(Tags.of("operation", "x")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("tags must not use the key operation, was [tag(operation=x)]");
    assertThatThrownBy(() -> BackstopMetrics.create(List.of(Tag.of("a", "1"), Tag.of("outcome", "y"))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("tags must not use the key outcome, was [tag(a=1),tag(outcome=y)]");
    assertThatThrownBy(() -> BackstopMetrics.create(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("tags");
  }

  @Test
  void aRegistryThatThrowsBreaksNeitherCallsNorBreakers() throws Exception {
    registry
        .config()
        .meterFilter(
            new MeterFilter() {
              @Override
              public Meter.Id map(Meter.Id id) {
                if (id.getName().equals(BackstopMetrics.CALLS)) {
                  throw new IllegalStateException("registry is broken");
                }
                return id;
              }
            });
    metrics.monitor(backstop).bindTo(registry);

    assertThat(backstop.call("users.get", () -> "ok")).isEqualTo("ok");
    succeed("users.get", 2);
    assertThatThrownBy(() -> backstop.call("users.get", () -> { throw new IOException("down"); }))
        .isInstanceOf(IOException.class)
        .hasMessage("down");

    assertThat(backstop.snapshot("users.get").total()).isEqualTo(4);
    assertThat(backstop.snapshot("users.get").accepts()).isEqualTo(3);
    assertThat(registry.find(BackstopMetrics.CALLS).meters()).isEmpty();
  }

  @Test
  void toStringShowsOperationsAndRegistries() throws Exception {
    assertThat(metrics).hasToString("BackstopMetrics(operations=0, registries=0)");
    metrics.monitor(backstop).bindTo(registry);
    succeed("a", 1);
    assertThat(metrics).hasToString("BackstopMetrics(operations=1, registries=1)");
    assertThat(metrics.monitor(backstop))
        .hasToString("BackstopMetrics.monitor(" + backstop + ")");
  }

  // --- helpers

  private void succeed(String op, int n) throws Exception {
    for (int i = 0; i < n; i++) {
      assertThat(backstop.call(op, () -> "ok")).isEqualTo("ok");
    }
  }

  private void fail(String op, int n) {
    for (int i = 0; i < n; i++) {
      assertThatThrownBy(() -> backstop.call(op, () -> { throw new IOException("down"); }))
          .isInstanceOf(IOException.class);
    }
  }

  private void assertCalls(String op, long success, long failure, long rejected) {
    assertThat(count(registry, op, "success")).as("success").isEqualTo(success);
    assertThat(count(registry, op, "failure")).as("failure").isEqualTo(failure);
    assertThat(count(registry, op, "rejected")).as("rejected").isEqualTo(rejected);
  }

  private static long count(MeterRegistry r, String op, String outcome) {
    double c =
        r.get(BackstopMetrics.CALLS)
            .tags("operation", op, "outcome", outcome)
            .functionCounter()
            .count();
    return (long) c;
  }

  private long allowed(String op) {
    return (long) registry.get(BackstopMetrics.ALLOWED).tag("operation", op).functionCounter().count();
  }

  private double probability(String op) {
    return registry.get(BackstopMetrics.PROBABILITY).tag("operation", op).gauge().value();
  }

  private double state(String op) {
    return registry.get(BackstopMetrics.STATE).tag("operation", op).gauge().value();
  }

  private double gauge(String name, Tags tags) {
    return registry.get(name).tags(tags).gauge().value();
  }

  private Set<String> operationsInRegistry() {
    return operationsIn(registry);
  }

  static Set<String> operationsIn(MeterRegistry r) {
    return r.getMeters().stream()
        .map(m -> m.getId().getTag("operation"))
        .filter(op -> op != null)
        .collect(Collectors.toSet());
  }
}
