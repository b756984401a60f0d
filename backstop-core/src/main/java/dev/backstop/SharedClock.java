package dev.backstop;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;

/**
 * A clock read from a field: one daemon thread per JVM reads the system clock every {@link
 * #TICK_NANOS} and publishes it, so that the breakers with the most calls read a field instead of
 * the clock. It runs only while it is read: it parks after a second without a read, and ends after
 * a minute parked; the next read starts it again. Thread-safe.
 *
 * <p>The system property {@value #PROPERTY} set to {@code false} turns it off: {@link #system()}
 * then returns {@code null} and every breaker reads the system clock on each call.
 */
final class SharedClock extends SharedClockFields implements Coarse {

  /*
   * How it works.
   *
   * One volatile long, `time`, holds the last reading of the source with its two low bits cleared,
   * and in those two bits the state of the thread that keeps it:
   *   RUNNING  the thread reads the source every tick and writes it here;
   *   PARKED   the thread waits, not ticking, because nobody read the time for a while;
   *   ENDED    there is no thread (never started, or ended after a long park);
   *   BROKEN   no thread could be started: every read reads the source.
   * A reader of a RUNNING time returns it: one volatile read (a plain load on x86), plus a read of
   * `used`, written once per idle check by the first reader after the thread cleared it. A reader
   * that finds another state reads the source itself and, for PARKED or ENDED, tries to move the
   * time to RUNNING with its own reading by a CAS; the winner wakes the thread or starts a new one.
   * The thread is the only writer of RUNNING times while RUNNING, and leaves RUNNING only by a CAS
   * from the time it wrote itself, so it never overwrites a restart; readers leave PARKED and
   * ENDED only by a CAS, so a restart and an end cannot both win.
   *
   * The time lags the source by at most one tick plus however late the thread wakes: a reader of
   * the source itself may find time a few microseconds behind what another reader returned a
   * moment before, right after a restart. Callers tolerate time that moves back by less than a tick.
   *
   * `time` and `used` are padded on both sides (SharedClockFields), so that no other object's
   * field shares their cache line: every core reads it on every call, and it changes once a tick.
   * `ticks`, which the thread writes every tick, sits before the padding, and the fields after it
   * are written seldom: the source and the name once, the thread once per start.
   */

  /** The system property that turns the clock thread off when set to {@code false}. */
  static final String PROPERTY = "dev.backstop.clockThread";

  /** How often the running thread reads the source. */
  static final long TICK_NANOS = 500_000;

  /** How long the thread runs without being read before it parks (and checks, while running). */
  static final long IDLE_NANOS = 1_000_000_000L;

  /** How long the thread stays parked before it ends. */
  static final long EXIT_NANOS = 60_000_000_000L;

  /**
   * The CPU time one tick costs, as measured on a 2-CPU virtual machine with the clock thread
   * alone ({@code ClockCost}: 18 µs, mostly the thread's wake-up; less on physical machines).
   */
  static final long TICK_COST_NANOS = 20_000;

  /** What one read of the system clock costs here, in ns, measured once when this class loads. */
  static final long READ_NANOS = measureRead();

  /**
   * The calls per millisecond at which a breaker moves to the clock: where the clock reads it saves
   * (two per call) cost as much as the ticks, within [16, 1024]. About 300 where a clock read is a
   * few dozen ns, 20 where it is a system call of a microsecond.
   */
  static final long BUSY_CALLS_PER_MS =
      Math.max(16, Math.min(1024, TICK_COST_NANOS * (1_000_000 / TICK_NANOS) / (2 * READ_NANOS)));

  /** The calls per millisecond below which a breaker on the clock reads its ticker again. */
  static final long QUIET_CALLS_PER_MS = BUSY_CALLS_PER_MS / 4;

  static final long STATE = 3;
  static final long RUNNING = 0;
  static final long PARKED = 1;
  static final long BROKEN = 2;
  static final long ENDED = 3;

  private static final VarHandle TIME;
  private static final SharedClock SYSTEM;

  static {
    try {
      TIME = MethodHandles.lookup().findVarHandle(SharedClockFields.class, "time", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
    SYSTEM =
        fromProperty(System.getProperty(PROPERTY))
            ? new SharedClock(Ticker.system(), "backstop-clock")
            : null;
  }

  /**
   * The least mean cost of a clock read over 8 rounds of 32 reads, at least 1 ns: a round that a
   * context switch or a compilation interrupts counts for nothing.
   */
  private static long measureRead() {
    long best = Long.MAX_VALUE;
    for (int round = 0; round < 8; round++) {
      long start = System.nanoTime();
      long end = start;
      for (int i = 0; i < 32; i++) {
        end = System.nanoTime();
      }
      best = Math.min(best, (end - start) / 32);
    }
    return Math.max(1, best);
  }

  /** Whether the value of {@value #PROPERTY} ({@code null} if unset) lets the thread run. */
  static boolean fromProperty(String value) {
    return !"false".equalsIgnoreCase(value);
  }

  private final Ticker source;
  private final String name;
  /** The last thread started, written before it starts; a restart after it ended replaces it. */
  private volatile Thread thread;

  /**
   * A clock of {@code source}, its thread named {@code name}, not started: the first read starts
   * it. With a {@code null} name the clock has no thread and starts running: {@link #tick()} and
   * {@link #park()} move it by hand, for tests.
   */
  SharedClock(Ticker source, String name) {
    this.source = source;
    this.name = name;
    this.time = (source.read() & ~STATE) | (name == null ? RUNNING : ENDED);
  }

  /** A clock with no thread, moved by hand with {@link #tick()} and {@link #park()}. */
  static SharedClock manual(Ticker source) {
    return new SharedClock(source, null);
  }

  /** The clock of the system ticker, or {@code null} if {@value #PROPERTY} is {@code false}. */
  static SharedClock system() {
    return SYSTEM;
  }

  /** Returns the source's time as of the last tick, at most a tick old while the thread runs. */
  @Override
  public long read() {
    long t = time;
    if ((t & STATE) != RUNNING) {
      return restart(t);
    }
    if (!used) {
      used = true;
    }
    return t;
  }

  /** The ticker this clock reads. */
  @Override
  public Ticker source() {
    return source;
  }

  /** The state of the clock: {@link #RUNNING}, {@link #PARKED}, {@link #ENDED} or {@link #BROKEN}. */
  long state() {
    return time & STATE;
  }

  /** The clock's thread, or {@code null} if it has none. */
  Thread thread() {
    return thread;
  }

  /** The number of ticks the clock's threads have made so far. */
  long ticks() {
    return ticks;
  }

  /** Reads the source and, unless broken, starts the thread again with that reading. */
  private long restart(long t) {
    long state = t & STATE;
    if (state == BROKEN) {
      return source.read();
    }
    long now = source.read() & ~STATE;
    if (TIME.compareAndSet(this, t, now)) {
      used = true;
      if (name == null) {
        return now;
      }
      if (state == PARKED) {
        LockSupport.unpark(thread);
      } else {
        start(now);
      }
    }
    return now;
  }

  private void start(long now) {
    try {
      Thread th = new Thread(null, this::run, name, 0, false);
      th.setDaemon(true);
      th.setContextClassLoader(null);
      thread = th;
      th.start();
    } catch (Throwable e) {
      // No thread can be had here (a security manager, or the OS's thread limit): read the source.
      time = now | BROKEN;
    }
  }

  /** What the thread does each tick, for a clock with no thread: publishes the source's time. */
  void tick() {
    long t = time;
    if ((t & STATE) == RUNNING) {
      TIME.compareAndSet(this, t, source.read() & ~STATE);
    }
  }

  /** What the thread does when nobody has read the clock for a while, for a clock with no thread. */
  void park() {
    long t = time;
    if ((t & STATE) == RUNNING) {
      TIME.compareAndSet(this, t, t | PARKED);
    }
  }

  /** What a failure to start a thread does, for a clock with no thread: reads go to the source. */
  void fail() {
    time = (source.read() & ~STATE) | BROKEN;
  }

  /** Whether no thread could be started, so that every read reads the source. */
  @Override
  public boolean broken() {
    return (time & STATE) == BROKEN;
  }

  private void run() {
    // Idle time counts from the reading that started the thread, not from when it gets a CPU.
    long checked = time & ~STATE;
    while (true) {
      long t = time;
      if ((t & STATE) == RUNNING) {
        long now = source.read() & ~STATE;
        time = now;
        ticks++; // the only writer
        if (now - checked >= IDLE_NANOS) {
          checked = now;
          if (used) {
            used = false;
          } else if (TIME.compareAndSet(this, now, now | PARKED)) {
            continue;
          }
        }
        LockSupport.parkNanos(this, TICK_NANOS);
      } else {
        long parkedAt = source.read();
        LockSupport.parkNanos(this, EXIT_NANOS);
        if (time == t
            && source.read() - parkedAt >= EXIT_NANOS
            && TIME.compareAndSet(this, t, (t & ~STATE) | ENDED)) {
          return; // `thread` keeps this ended thread until a restart replaces it
        }
        checked = time & ~STATE; // the reading that woke it, if a reader did
      }
    }
  }

  @Override
  public String toString() {
    return "SharedClock(" + (name == null ? "manual" : name) + ", " + source + ")";
  }
}

/** The field of {@link SharedClock} its thread writes every tick, away from those calls read. */
abstract class SharedClockTicks {
  /** Ticks so far, written by the thread alone; for measuring what the thread costs. */
  volatile long ticks;
}

/** Padding before the fields of {@link SharedClock} that every call reads. */
abstract class SharedClockPadding extends SharedClockTicks {
  long p00, p01, p02, p03, p04, p05, p06, p07, p08, p09, p0a, p0b, p0c, p0d, p0e, p0f;
}

/** The fields of {@link SharedClock} that every call reads, padded on both sides. */
abstract class SharedClockFields extends SharedClockPadding {
  /** The last reading with its low bits cleared, and the state in them; see SharedClock. */
  volatile long time;
  /** Whether anyone has read the time since the thread last cleared this. */
  volatile boolean used;
  long p10, p11, p12, p13, p14, p15, p16, p17, p18, p19, p1a, p1b, p1c, p1d, p1e, p1f;
}
