package dev.backstop.micrometer;

import dev.backstop.Backstop;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/**
 * The counts of one operation and the meters that publish them. The adders are written by any
 * thread; {@link #register} and {@link #unregister} run under the lock of {@link BackstopMetrics}.
 */
final class Operation {

  static final String OPERATION = "operation";
  static final String OUTCOME = "outcome";

  final LongAdder allowed = new LongAdder();
  final LongAdder rejected = new LongAdder();
  final LongAdder success = new LongAdder();
  final LongAdder failure = new LongAdder();
  final LongAdder ignored = new LongAdder();

  private final String name;
  private final Tags tags;
  private final List<Registered> registered = new ArrayList<>();

  Operation(String name, Tags common) {
    this.name = name;
    this.tags = common.and(OPERATION, name);
  }

  /** Registers this operation's meters in {@code registry}, reading gauges from {@code backstop}. */
  void register(MeterRegistry registry, Backstop backstop) {
    add(registry, calls("success", success).register(registry));
    add(registry, calls("failure", failure).register(registry));
    add(registry, calls("ignored", ignored).register(registry));
    add(registry, calls("rejected", rejected).register(registry));
    add(registry, FunctionCounter.builder(BackstopMetrics.ALLOWED, allowed, LongAdder::sum)
        .tags(tags)
        .description("Calls the breaker let through")
        .register(registry));
    String operation = name;
    add(registry,
        Gauge.builder(BackstopMetrics.PROBABILITY, backstop,
                b -> BackstopMetrics.probability(b.snapshot(operation)))
            .tags(tags)
            .description("Probability that the breaker rejects the next call")
            .register(registry));
    add(registry,
        Gauge.builder(BackstopMetrics.STATE, backstop,
                b -> BackstopMetrics.state(b.snapshot(operation)))
            .tags(tags)
            .description("State of the breaker: 0 closed, 1 open")
            .register(registry));
  }

  /** Removes every meter {@link #register} registered, from its registry. */
  void unregister() {
    for (Registered r : registered) {
      r.registry.remove(r.meter);
    }
    registered.clear();
  }

  private FunctionCounter.Builder<LongAdder> calls(String outcome, LongAdder count) {
    return FunctionCounter.builder(BackstopMetrics.CALLS, count, LongAdder::sum)
        .tags(tags)
        .tag(OUTCOME, outcome)
        .description(
            "Finished calls: success, failure or ignored if the breaker let them through, else"
                + " rejected");
  }

  private void add(MeterRegistry registry, Meter meter) {
    registered.add(new Registered(registry, meter));
  }

  private record Registered(MeterRegistry registry, Meter meter) {}
}
