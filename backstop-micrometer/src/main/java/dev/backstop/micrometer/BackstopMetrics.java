package dev.backstop.micrometer;

import dev.backstop.Backstop;
import dev.backstop.BreakerListener;
import dev.backstop.Snapshot;
import dev.backstop.State;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Publishes the activity of a {@link Backstop}'s breakers to Micrometer.
 *
 * <p>A {@code BackstopMetrics} is the {@link BreakerListener} of exactly one {@code Backstop}. It
 * is created first, given to the Backstop's builder, and then asked for the {@link MeterBinder}
 * that publishes it, which needs the Backstop to read its gauges:
 *
 * <pre>{@code
 * BackstopMetrics metrics = BackstopMetrics.create();
 * Backstop backstop = Backstop.builder().listener(metrics).build();
 * metrics.monitor(backstop).bindTo(registry);
 * }</pre>
 *
 * <p>The meters, each also carrying the tags given to {@link #create(Iterable)}:
 *
 * <ul>
 *   <li>{@value #CALLS}, a counter tagged {@code operation} and {@code outcome}: {@code success}
 *       and {@code failure} count the calls the breaker let through by what the backend did,
 *       {@code rejected} the calls the breaker rejected. Each call counts once, so the sum over
 *       {@code outcome} is the number of calls that have finished.
 *   <li>{@value #ALLOWED}, a counter tagged {@code operation}: the calls the breaker let through.
 *       Each later counts once in {@value #CALLS} as {@code success} or {@code failure}, so the
 *       difference is the calls in flight.
 *   <li>{@value #PROBABILITY}, a gauge tagged {@code operation}: the probability, in [0, 1), that
 *       the breaker rejects the next call.
 *   <li>{@value #STATE}, a gauge tagged {@code operation}: 0 while the breaker is {@link
 *       State#CLOSED}, 1 while it is {@link State#OPEN}.
 *   <li>{@value #OPERATIONS}, a gauge: the number of operations the Backstop holds now.
 * </ul>
 *
 * <p>An operation's meters are registered when its breaker first reports, and removed from every
 * registry when the Backstop's group drops it (idle expiry or size bound), so a bounded group
 * stays bounded in the registry too. The counters count from the operation's first report, not
 * from binding: a registry bound late, or one of several registries, shows the same values as
 * the others. {@code bindTo} may be called for any number of registries, before or after calls;
 * binding the same registry twice registers nothing new.
 *
 * <p>With a group of one's own ({@link Backstop.Builder#group}), give the listener to each breaker
 * and report removals, or the meters of dropped operations stay registered:
 *
 * <pre>{@code
 * BackstopMetrics metrics = BackstopMetrics.create();
 * Backstop backstop = Backstop.builder()
 *     .group(Group.builder(op -> SreBreaker.builder().name(op).listener(metrics).build())
 *         .onRemoval((op, breaker) -> metrics.removed(op))
 *         .build())
 *     .build();
 * metrics.monitor(backstop).bindTo(registry);
 * }</pre>
 *
 * <p>Recording a call costs a {@link ConcurrentHashMap} lookup of the operation and a {@link
 * java.util.concurrent.atomic.LongAdder} increment; it takes no lock, allocates nothing and never
 * touches a registry.
 *
 * <p>Instances are thread-safe.
 */
public final class BackstopMetrics implements BreakerListener {

  /*
   * How it works.
   *
   * Counting. Each operation has an Operation holder with four LongAdders; the listener methods
   * look the holder up in a ConcurrentHashMap and increment one adder. The counters published to
   * registries are FunctionCounters that read the adders, so recording never calls Micrometer, a
   * registry bound at any time sees the counts from the operation's first report, and every
   * registry sees the same values.
   *
   * Registration. The first report of an unknown operation takes `lock`, creates its holder and
   * registers its meters in every bound registry. bindTo takes the same lock, registers the
   * operations gauge and the meters of every known operation, and adds the registry to the list.
   * removed(op) takes the lock, drops the holder and removes its meters from every registry. So
   * an operation's holder and its meters in each registry come and go together, and a registry is
   * either given all of an operation's meters or none.
   *
   * Races on purpose. A thread that got a holder just before removed() dropped it increments an
   * adder no meter reads any more: those few events are lost, as the breaker itself is. A
   * breaker that reports after its group dropped it (a thread was still using it) would re-create
   * meters that nothing removes; to prevent that, an unknown operation is registered only if the
   * monitored Backstop holds it now (checked under the lock, so a concurrent removed() either
   * sees the new holder or ran before the check). If the group has since made a new breaker for
   * the operation, its holder and meters start from zero, as the breaker does.
   *
   * Gauges. Per-operation gauges read Backstop.snapshot(operation) when the registry polls them:
   * a breaker's probability and state change with time alone, as its window rolls, so they are
   * read, not recorded. Gauges hold the Backstop weakly, as Micrometer gauges do by default.
   */

  /** Name of the counter of finished calls, tagged {@code operation} and {@code outcome}. */
  public static final String CALLS = "backstop.calls";

  /** Name of the counter of calls let through, tagged {@code operation}. */
  public static final String ALLOWED = "backstop.allowed";

  /** Name of the gauge of the rejection probability, tagged {@code operation}. */
  public static final String PROBABILITY = "backstop.rejection.probability";

  /** Name of the gauge of the state (0 closed, 1 open), tagged {@code operation}. */
  public static final String STATE = "backstop.state";

  /** Name of the gauge of the number of operations the Backstop holds. */
  public static final String OPERATIONS = "backstop.operations";

  private final Tags tags;
  private final ConcurrentHashMap<String, Operation> operations = new ConcurrentHashMap<>();
  private final ReentrantLock lock = new ReentrantLock();

  /** Registries bound so far; guarded by lock. */
  private final Set<MeterRegistry> registries = Collections.newSetFromMap(new IdentityHashMap<>());

  /** The monitored Backstop, set once by monitor(); guarded by lock. */
  private Backstop backstop;

  /** The binder of the monitored Backstop; guarded by lock. */
  private Binder binder;

  private BackstopMetrics(Tags tags) {
    this.tags = tags;
  }

  /** Returns metrics whose meters carry no tags beyond their own. */
  public static BackstopMetrics create() {
    return new BackstopMetrics(Tags.empty());
  }

  /**
   * Returns metrics whose meters all carry {@code tags} as well, for example to tell apart the
   * Backstops of several clients in one registry.
   *
   * @throws IllegalArgumentException if a tag uses the key {@code operation} or {@code outcome}
   */
  public static BackstopMetrics create(Iterable<Tag> tags) {
    Tags all = Tags.of(Objects.requireNonNull(tags, "tags"));
    for (Tag tag : all) {
      if (tag.getKey().equals(Operation.OPERATION) || tag.getKey().equals(Operation.OUTCOME)) {
        throw new IllegalArgumentException(
            "tags must not use the key " + tag.getKey() + ", was " + all);
      }
    }
    return new BackstopMetrics(all);
  }

  /**
   * Returns the binder that publishes these metrics and the gauges of {@code backstop} to a
   * registry. {@code backstop} must be the Backstop whose breakers report to this listener, and
   * its group must hold them as the {@link dev.backstop.SreBreaker}s themselves (not wrapped), since
   * an operation is measured only while {@link Backstop#snapshot(String)} finds it. Calls with the
   * same Backstop return the same binder.
   *
   * <p>Operations that reported before this call but that {@code backstop} no longer holds are
   * forgotten.
   *
   * @throws IllegalArgumentException if this listener already monitors another Backstop
   */
  public MeterBinder monitor(Backstop backstop) {
    Objects.requireNonNull(backstop, "backstop");
    lock.lock();
    try {
      if (this.backstop == null) {
        this.backstop = backstop;
        this.binder = new Binder(backstop);
        operations.keySet().removeIf(operation -> backstop.snapshot(operation) == null);
      } else if (this.backstop != backstop) {
        throw new IllegalArgumentException(
            "backstop must be the one already monitored, "
                + this.backstop
                + ", was "
                + backstop);
      }
      return binder;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void allowed(String operation) {
    Operation o = find(operation);
    if (o != null) {
      o.allowed.increment();
    }
  }

  @Override
  public void rejected(String operation) {
    Operation o = find(operation);
    if (o != null) {
      o.rejected.increment();
    }
  }

  @Override
  public void success(String operation) {
    Operation o = find(operation);
    if (o != null) {
      o.success.increment();
    }
  }

  @Override
  public void failure(String operation) {
    Operation o = find(operation);
    if (o != null) {
      o.failure.increment();
    }
  }

  /** Forgets {@code operation} and removes its meters from every bound registry. */
  @Override
  public void removed(String operation) {
    lock.lock();
    try {
      Operation o = operations.remove(operation);
      if (o != null) {
        o.unregister();
      }
    } finally {
      lock.unlock();
    }
  }

  @Override
  public String toString() {
    int bound;
    lock.lock();
    try {
      bound = registries.size();
    } finally {
      lock.unlock();
    }
    return "BackstopMetrics(operations="
        + operations.size()
        + ", registries="
        + bound
        + (tags.stream().findAny().isPresent() ? ", tags=" + tags : "")
        + ")";
  }

  /** Returns the operations measured now; for tests. */
  Set<String> operations() {
    return Set.copyOf(operations.keySet());
  }

  private Operation find(String operation) {
    Operation o = operations.get(operation);
    return o != null ? o : sighted(operation);
  }

  /** The slow path of the first report of an operation. */
  private Operation sighted(String operation) {
    lock.lock();
    try {
      Operation o = operations.get(operation);
      if (o != null) {
        return o;
      }
      if (backstop != null && backstop.snapshot(operation) == null) {
        return null; // a breaker its group has already dropped: see "Races on purpose"
      }
      o = new Operation(operation, tags);
      operations.put(operation, o);
      for (MeterRegistry registry : registries) {
        o.register(registry, backstop);
      }
      return o;
    } finally {
      lock.unlock();
    }
  }

  /** Publishes this listener's counters and one Backstop's gauges; see {@link #monitor}. */
  private final class Binder implements MeterBinder {
    private final Backstop backstop;

    Binder(Backstop backstop) {
      this.backstop = backstop;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
      Objects.requireNonNull(registry, "registry");
      lock.lock();
      try {
        if (!registries.add(registry)) {
          return;
        }
        Gauge.builder(OPERATIONS, backstop, Backstop::size)
            .tags(tags)
            .description("Operations whose breakers the Backstop holds now")
            .register(registry);
        List<Operation> known = new ArrayList<>(operations.values());
        for (Operation o : known) {
          o.register(registry, backstop);
        }
      } finally {
        lock.unlock();
      }
    }

    @Override
    public String toString() {
      return "BackstopMetrics.monitor(" + backstop + ")";
    }
  }

  /** Reads a gauge value from a snapshot; NaN once the operation is gone. */
  static double probability(Snapshot snapshot) {
    return snapshot == null ? Double.NaN : snapshot.probability();
  }

  /** Reads the state gauge from a snapshot: 0 closed, 1 open; NaN once the operation is gone. */
  static double state(Snapshot snapshot) {
    if (snapshot == null) {
      return Double.NaN;
    }
    return snapshot.state() == State.OPEN ? 1 : 0;
  }
}
