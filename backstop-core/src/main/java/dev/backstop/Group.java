package dev.backstop;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * A lazy, bounded map from keys to instances made by a factory: one independent breaker per
 * operation.
 *
 * <p>{@link #get(String)} creates the key's instance on first use; under concurrent first use of a
 * key the factory is called exactly once and every caller gets the same instance. Because keys can
 * come from request data, the group is bounded: it holds at most {@link Builder#maximumSize(long)
 * maximumSize} keys (10 000 by default) and drops a key that has not been used for {@link
 * Builder#expireAfterAccess(Duration) expireAfterAccess} (10 minutes by default, far longer than a
 * breaker's window, so an expired breaker had nothing left to remember). When the size bound is
 * exceeded, keys never used again since their first use go first, and among those the least
 * recently used; a key that comes back soon after it was dropped counts as used again, so a flood
 * of keys used once cannot push out a key in steady use.
 *
 * <p>Both bounds are enforced when a new key is inserted, since nothing else makes the group grow:
 * the size never stays above the bound, and an idle key is dropped by the first insertion at
 * least one and at most one and a half expiry times after its last use. There is no background
 * thread.
 *
 * <p>Instances are thread-safe. {@code get} on a key that is present takes no lock and allocates
 * nothing.
 *
 * @param <T> the type of the instances
 */
public final class Group<T> {

  /*
   * How it works.
   *
   * A ConcurrentHashMap from key to Entry. get() on a present key is map.get() plus a read of the
   * entry's `used` flag, written only when it was clear, so a hot key's entry is not rewritten on
   * every call and no clock is read. A missing key goes through computeIfAbsent (the factory runs
   * once, under the map's bin lock for that key, and the new entry is stamped with the time) and
   * then through maintenance: only an insertion reads the ticker.
   *
   * Maintenance is a sweep under a lock, run after an insertion when the size bound is exceeded or
   * when half the expiry time has passed since the last sweep. It is a second-chance clock: an
   * entry used since the last sweep has its flag cleared and its stamp set to now; an unused
   * entry whose stamp is older than the expiry is removed. If the map is still over the bound,
   * the first entries in the order (unknown first, then unused, then oldest stamp) are removed
   * until it is at 90 % of the bound, so a flood of new keys costs an amortised O(log n) per key
   * rather than a sweep each. Nothing grows without an insertion, so sweeping only after
   * insertions keeps memory bounded.
   *
   * Known keys. An entry is known for the next 2 × maximumSize drops after a sweep has seen it
   * used, or after its key came back soon after it was dropped for size (Dropped: a
   * two-generation Bloom filter of the last maximumSize to 2 × maximumSize keys dropped, 2 bytes
   * per key of capacity). A key used once per thousand one-off keys is dropped once, comes back
   * known and stays known as long as it keeps being used, while one-off keys never come back, so
   * they are the ones that go (Caffeine's TinyLFU admission makes the same bet with a frequency
   * sketch); the few one-off keys the filter mistakes for returning ones are known only for a
   * while. The filter is written under the lock and read at insertion; a racing read may miss a
   * key dropped at that moment, which only delays its protection.
   *
   * Races on purpose. An entry can be removed while a thread that has just got it still uses it:
   * that thread finishes with an instance the group no longer holds, and the next get() creates a
   * new one. Removal uses map.remove(key, entry), so a fresh entry for the same key is never
   * removed by a sweep that saw the old one.
   */

  private static final long DEFAULT_MAXIMUM_SIZE = 10_000;
  private static final Duration DEFAULT_EXPIRY = Duration.ofMinutes(10);

  private final ConcurrentHashMap<String, Entry<T>> map = new ConcurrentHashMap<>();
  private final Function<? super String, ? extends T> factory;
  private final long maximumSize;
  private final long expiryNanos;
  private final Ticker ticker;
  private final BiConsumer<? super String, ? super T> onRemoval;
  private final ReentrantLock sweeping = new ReentrantLock();
  private final Dropped dropped;
  /** How many keys sweeps have dropped for size; written under the lock. */
  private volatile long drops;
  private volatile long lastSweep;

  private Group(Builder<T> builder) {
    this.factory = builder.factory;
    this.maximumSize = builder.maximumSize;
    this.expiryNanos = builder.expireAfterAccess.toNanos();
    this.ticker = builder.ticker;
    this.onRemoval = builder.onRemoval;
    this.dropped = new Dropped(maximumSize);
    this.lastSweep = ticker.read();
  }

  /** Returns a group with the default bounds whose instances {@code factory} makes from keys. */
  public static <T> Group<T> create(Function<? super String, ? extends T> factory) {
    return Group.<T>builder(factory).build();
  }

  /** Returns a builder for a group whose instances {@code factory} makes from keys. */
  public static <T> Builder<T> builder(Function<? super String, ? extends T> factory) {
    return new Builder<>(Objects.requireNonNull(factory, "factory"));
  }

  /**
   * Returns the instance for {@code key}, creating it with the factory on first use.
   *
   * @throws NullPointerException if the factory returns {@code null}
   */
  public T get(String key) {
    Entry<T> entry = map.get(Objects.requireNonNull(key, "key"));
    if (entry != null) {
      if (!entry.used) {
        entry.used = true;
      }
      return entry.value;
    }
    return insert(key);
  }

  /** Returns the instance for {@code key} if the group holds one, or {@code null}; never creates. */
  public T getIfPresent(String key) {
    Entry<T> entry = map.get(Objects.requireNonNull(key, "key"));
    return entry == null ? null : entry.value;
  }

  /**
   * Calls {@code action} for every key the group holds and its instance, without counting as use.
   * Keys added or removed meanwhile may or may not be seen.
   */
  public void forEach(BiConsumer<? super String, ? super T> action) {
    Objects.requireNonNull(action, "action");
    map.forEach((key, entry) -> action.accept(key, entry.value));
  }

  /** Returns the number of keys the group holds now. */
  public long size() {
    return map.mappingCount();
  }

  /** Removes every key, reporting each to the removal listener. */
  public void clear() {
    for (Map.Entry<String, Entry<T>> e : map.entrySet()) {
      remove(e.getKey(), e.getValue());
    }
  }

  @Override
  public String toString() {
    return "Group(size=" + size() + ", maximumSize=" + maximumSize + ")";
  }

  private T insert(String key) {
    Entry<T> entry =
        map.computeIfAbsent(
            key,
            k -> {
              T value = factory.apply(k);
              if (value == null) {
                throw new NullPointerException("factory returned null for key " + k);
              }
              return new Entry<>(value, ticker.read(), dropped.contains(k) ? knownUntil() : -1);
            });
    maintain();
    return entry.value;
  }

  private void maintain() {
    boolean full = map.mappingCount() > maximumSize;
    if (full) {
      sweeping.lock();
    } else if (ticker.read() - lastSweep < expiryNanos / 2 || !sweeping.tryLock()) {
      return;
    }
    try {
      long now = ticker.read();
      // Another thread may have swept while this one waited for the lock.
      if (map.mappingCount() > maximumSize || now - lastSweep >= expiryNanos / 2) {
        sweep(now);
      }
    } finally {
      sweeping.unlock();
    }
  }

  /** Until how many drops a key seen in use now stays known. */
  private long knownUntil() {
    return drops + 2 * maximumSize;
  }

  private void sweep(long now) {
    // Only this sweep (under the lock) changes the drops, and only once it has sorted.
    long dropsNow = drops;
    long known = knownUntil();
    List<Map.Entry<String, Entry<T>>> live = new ArrayList<>();
    for (Map.Entry<String, Entry<T>> e : map.entrySet()) {
      Entry<T> entry = e.getValue();
      if (entry.used) {
        entry.used = false;
        entry.stamp = now;
        entry.recent = true;
        entry.knownUntil = known;
      } else {
        entry.recent = false;
      }
      if (!entry.recent && now - entry.stamp >= expiryNanos) {
        remove(e.getKey(), entry);
      } else {
        live.add(e);
      }
    }
    if (live.size() > maximumSize) {
      long target = maximumSize - maximumSize / 10;
      live.sort(
          (a, b) -> {
            Entry<T> x = a.getValue();
            Entry<T> y = b.getValue();
            boolean xKnown = x.knownUntil > dropsNow;
            boolean yKnown = y.knownUntil > dropsNow;
            if (xKnown != yKnown) {
              return xKnown ? 1 : -1;
            }
            if (x.recent != y.recent) {
              return x.recent ? 1 : -1;
            }
            return Long.compare(x.stamp - now, y.stamp - now);
          });
      for (int i = 0; i < live.size() - target; i++) {
        if (remove(live.get(i).getKey(), live.get(i).getValue())) {
          dropped.add(live.get(i).getKey());
          drops++;
        }
      }
    }
    lastSweep = now;
  }

  private boolean remove(String key, Entry<T> entry) {
    if (!map.remove(key, entry)) {
      return false;
    }
    try {
      onRemoval.accept(key, entry.value);
    } catch (RuntimeException e) {
      System.getLogger(Group.class.getName())
          .log(System.Logger.Level.WARNING, "removal listener threw for key " + key, e);
    }
    return true;
  }

  private static final class Entry<T> {
    final T value;
    /** Set by get() when clear; cleared by a sweep. */
    volatile boolean used;
    /** When a sweep last saw the entry used (or when it was created); read under the lock. */
    long stamp;
    /** Whether the last sweep saw the entry used; only the sweeping thread touches it. */
    boolean recent;
    /**
     * The entry is known to be in use until the group has dropped this many keys for size: set
     * when the key comes back soon after it was dropped, or when a sweep sees it used, to the
     * drops so far plus twice the maximum size. Set at creation, then only by the sweeping
     * thread.
     */
    long knownUntil;

    Entry(T value, long created, long knownUntil) {
      this.value = value;
      this.stamp = created;
      this.knownUntil = knownUntil;
    }
  }

  /**
   * Configures a {@link Group}. Each option is checked when it is set; {@link #build()} does not
   * change the builder. Not thread-safe.
   *
   * @param <T> the type of the instances
   */
  public static final class Builder<T> {
    private final Function<? super String, ? extends T> factory;
    private long maximumSize = DEFAULT_MAXIMUM_SIZE;
    private Duration expireAfterAccess = DEFAULT_EXPIRY;
    private Ticker ticker = Ticker.system();
    private BiConsumer<? super String, ? super T> onRemoval = (key, value) -> {};

    private Builder(Function<? super String, ? extends T> factory) {
      this.factory = factory;
    }

    /** The most keys the group holds, >= 1; 10 000 by default. */
    public Builder<T> maximumSize(long maximumSize) {
      this.maximumSize = checkMaximumSize(maximumSize);
      return this;
    }

    /** Returns {@code maximumSize} if it is >= 1; the check of every builder that takes it. */
    static long checkMaximumSize(long maximumSize) {
      if (maximumSize < 1) {
        throw new IllegalArgumentException("maximumSize must be >= 1, was " + maximumSize);
      }
      return maximumSize;
    }

    /** How long a key may go unused before it is dropped, > 0; 10 minutes by default. */
    public Builder<T> expireAfterAccess(Duration expireAfterAccess) {
      this.expireAfterAccess = Durations.positive("expireAfterAccess", expireAfterAccess);
      return this;
    }

    /** The source of time for expiry; {@link Ticker#system()} by default. */
    public Builder<T> ticker(Ticker ticker) {
      this.ticker = Objects.requireNonNull(ticker, "ticker");
      return this;
    }

    /**
     * Called with each key and instance the group drops (expiry, size or {@link Group#clear()}),
     * on the thread that dropped it. An exception it throws is logged and ignored.
     */
    public Builder<T> onRemoval(BiConsumer<? super String, ? super T> onRemoval) {
      this.onRemoval = Objects.requireNonNull(onRemoval, "onRemoval");
      return this;
    }

    /** Builds the group. */
    public Group<T> build() {
      return new Group<>(this);
    }
  }
}
