package dev.backstop.micrometer;

import dev.backstop.Backstop;
import dev.backstop.BreakerListener;
import dev.backstop.Snapshot;
import dev.backstop.State;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
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
 *   <li>{@value #CALLS}, a counter tagged {@code operation} and {@code outcome}: {@code success},
 *       {@code failure} and {@code ignored} count the calls the breaker let through by how they
 *       ended (see the outcome model of {@link dev.backstop.CircuitBreaker}), {@code rejected} the
 *       calls the breaker rejected. Each call counts once, so the sum over {@code outcome} is the
 *       number of calls that have finished.
 *   <li>{@value #ALLOWED}, a counter tagged {@code operation}: the calls the breaker let through.
 *       Each later counts once in {@value #CALLS} as {@code success}, {@code failure} or {@code
 *       ignored}, so {@code allowed = success + failure + ignored + in flight}.
 *   <li>{@value #PROBABILITY}, a gauge tagged {@code operation}: the probability, in [0, 1), that
 *       the breaker rejects the next call.
 *   <li>{@value #STATE}, a gauge tagged {@code operation}: 0 while the breaker is {@link
 *       State#CLOSED}, 1 while it is {@link State#OPEN}.
 *   <li>{@value #OPERATIONS}, a gauge: the number of operations the Backstop holds now.
 * </ul>
 *
 * <p>The {@code Backstop} reports every call whatever {@link dev.backstop.CircuitBreaker} guards
 * it, so breakers of one's own get the counters too. The two per-operation gauges read {@link
 * dev.backstop.CircuitBreaker#snapshot()}, and are {@code NaN} for a breaker that reports no
 * snapshot.
 *
 * <p>An operation's meters are registered when its breaker first reports, and removed from every
 * registry when the Backstop's group drops it (idle expiry or size bound), so a bounded group
 * stays bounded in the registry too; a breaker the group dropped reports nothing more. The
 * counters count from the operation's first report, not from binding: a registry bound late, or
 * one of several registries, shows the same values as the others. {@code bindTo} may be called
 * for any number of registries, before or after calls; binding the same registry twice registers
 * nothing new. Two {@code BackstopMetrics} with the same tags cannot share a registry: their
 * meters would have the same names and tags, so {@code bindTo} refuses the second. {@link
 * #close()} removes every meter from every registry.
 *
 * <p>Recording a call costs a {@link ConcurrentHashMap} lookup of the operation and a {@link
 * java.util.concurrent.atomic.LongAdder} increment; it takes no lock, allocates nothing and never
 * touches a registry.
 *
 * <p>Instances are thread-safe.
 */
public final class BackstopMetrics implements BreakerListener, AutoCloseable {

  /*
   * How it works.
   *
   * Counting. Each operation has an Operation holder with five LongAdders; the listener methods
   * look the holder up in a ConcurrentHashMap and increment one adder. The counters published to
   * registries are FunctionCounters that read the adders, so recording never calls Micrometer, a
   * registry bound at any time sees the counts from the operation's first report, and every
   * registry sees the same values.
   *
   * Registration. The first report of an unknown operation takes `lock`, creates its holder and
   * registers its meters in every bound registry. bindTo takes the same lock, registers the
   * operations gauge and the meters of every known operation, and puts the registry, with that
   * gauge, in `registries`.
   * removed(op) takes the lock, drops the holder and removes its meters from every registry. So
   * an operation's holder and its meters in each registry come and go together, and a registry is
   * either given all of an operation's meters or none.
   *
   * Races on purpose. A thread that got a holder just before removed() dropped it increments an
   * adder no meter reads any more: those few events are lost, as the breaker itself is. The
   * Backstop stops the reports of a breaker its group dropped, so a call that outlives its
   * breaker is never counted in the series of the operation's next breaker. An unknown operation
   * is registered only if the monitored Backstop holds it now (Backstop.contains, checked under
   * the lock, so a concurrent removed() either sees the new holder or ran before the check).
   *
   * Collisions. Micrometer returns the meter already registered under a name and tags instead of
   * registering a second one, so two BackstopMetrics with the same tags would silently share (and
   * remove) each other's meters. bindTo registers the operations gauge first and refuses the
   * registry if it was there before: another BackstopMetrics with the same tags is bound to it.
   *
   * Closing. close() takes the lock, removes every meter it registered from every registry and
   * marks this closed; a report that comes later finds no holder and registers nothing.
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

  /** Registries bound so far, each with its operations gauge; guarded by lock. */
  private final Map<MeterRegistry, Meter> registries = new IdentityHashMap<>();

  /** The monitored Backstop, set once by monitor(); guarded by lock. */
  private Backstop backstop;

  /** The binder of the monitored Backstop; guarded by lock. */
  private Binder binder;

  /** Set once by close(); written under lock. */
  private volatile boolean closed;

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
   * registry. {@code backstop} must be the Backstop this listener was given to: an operation is
   * measured while {@link Backstop#contains(String)} says it holds it. Calls with the same
   * Backstop return the same binder; its {@code bindTo} throws {@link IllegalArgumentException} if
   * the registry already holds the meters of another {@code BackstopMetrics} with the same tags,
   * and {@link IllegalStateException} once this is closed.
   *
   * <p>Operations that reported before this call but that {@code backstop} no longer holds are
   * forgotten.
   *
   * @throws IllegalArgumentException if this listener already monitors another Backstop
   * @throws IllegalStateException if this is closed
   */
  public MeterBinder monitor(Backstop backstop) {
    Objects.requireNonNull(backstop, "backstop");
    lock.lock();
    try {
      checkOpen();
      if (this.backstop == null) {
        this.backstop = backstop;
        this.binder = new Binder(backstop);
        operations.keySet().removeIf(operation -> !backstop.contains(operation));
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

  @Override
  public void ignored(String operation) {
    Operation o = find(operation);
    if (o != null) {
      o.ignored.increment();
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

  /**
   * Removes every meter of these metrics from every registry it was bound to, and stops
   * publishing: later reports are dropped, and {@code bindTo} and {@link #monitor} throw. Closing
   * twice does nothing more. The Backstop keeps working, with this listener now doing nothing.
   */
  @Override
  public void close() {
    lock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      for (Operation o : operations.values()) {
        o.unregister();
      }
      operations.clear();
      registries.forEach(MeterRegistry::remove);
      registries.clear();
    } finally {
      lock.unlock();
    }
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("BackstopMetrics is closed: " + this);
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
        + (closed ? ", closed" : "")
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
    if (closed) {
      return null;
    }
    lock.lock();
    try {
      Operation o = operations.get(operation);
      if (o != null || closed) {
        return o;
      }
      if (backstop != null && !backstop.contains(operation)) {
        return null; // its group has dropped it already: see "Races on purpose"
      }
      o = new Operation(operation, tags);
      operations.put(operation, o);
      for (MeterRegistry registry : registries.keySet()) {
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
        checkOpen();
        if (registries.containsKey(registry)) {
          return;
        }
        List<Meter> before = registry.getMeters();
        Gauge gauge =
            Gauge.builder(OPERATIONS, backstop, Backstop::size)
                .tags(tags)
                .description("Operations whose breakers the Backstop holds now")
                .register(registry);
        if (before.contains(gauge)) { // Micrometer returned the meter someone else registered
          throw new IllegalArgumentException(
              "registry already holds the meters of another BackstopMetrics with the tags "
                  + tags
                  + "; give each BackstopMetrics bound to one registry tags that tell it apart,"
                  + " such as BackstopMetrics.create(Tags.of(\"client\", \"users\"))");
        }
        registries.put(registry, gauge);
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
