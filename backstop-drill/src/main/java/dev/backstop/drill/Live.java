package dev.backstop.drill;

import dev.backstop.Backstop;
import dev.backstop.Snapshot;
import dev.backstop.SreBreaker;
import dev.backstop.State;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * The live drill: real servers on loopback whose health a script switches, driven at a steady rate
 * by real clients through Backstop breakers, recorded in 100 ms slots on both sides.
 *
 * <p>One run at a time; {@link #stop()} may be called from any thread (the Ctrl-C hook).
 */
final class Live {

  /*
   * How it works. Before the clock starts, each lane sends one request outside its breaker so
   * that connections are open and classes loaded; the servers' counters are reset after it.
   *
   * The calling thread is the driver: it wakes about every millisecond, switches the servers'
   * health at phase boundaries, issues every request due by now (floor(elapsed × rps), the same
   * count on each lane, skipping arrivals missed by more than 50 ms), and when a 100 ms slot ends
   * reads each breaker's snapshot for that slot. Requests complete on the clients' threads, which
   * count the outcome into the slot the request was issued in. A second's line is printed 200 ms
   * after it ends, when its requests have come back.
   *
   * At the end (or on stop) the driver waits for requests in flight, then builds one Timeline per
   * lane; the servers' own counters are the proof that rejected requests never left the client.
   */

  private static final long SLOT = Timeline.SLOT.toNanos();
  private static final long DRAIN = Duration.ofSeconds(10).toNanos();

  private final double rps;
  private final List<Phase> phases;
  private final Supplier<SreBreaker.Builder> breaker;
  private final PrintWriter out;
  private volatile boolean stopped;
  /** Seconds whose line has been printed; the driver's thread only. */
  private int printedSeconds;

  Live(double rps, Duration duration, Supplier<SreBreaker.Builder> breaker, PrintWriter out) {
    if (!(rps > 0 && rps <= 20_000)) {
      throw new IllegalArgumentException("rps must be in (0, 20000], was " + rps);
    }
    this.rps = rps;
    this.phases = phases(duration);
    this.breaker = Objects.requireNonNull(breaker, "breaker");
    this.out = Objects.requireNonNull(out, "out");
    breaker.get().build();
  }

  /**
   * The health script: healthy for a quarter of the run, failing for a quarter, healed for the
   * rest, each rounded to 100 ms.
   */
  static List<Phase> phases(Duration duration) {
    Objects.requireNonNull(duration, "duration");
    if (duration.compareTo(Duration.ofMillis(300)) < 0
        || duration.compareTo(Duration.ofHours(1)) > 0
        || duration.toNanos() % SLOT != 0) {
      throw new IllegalArgumentException(
          "duration must be a multiple of 100 ms in [300 ms, 1 h], was " + duration);
    }
    int slots = (int) (duration.toNanos() / SLOT);
    int quarter = Math.max(1, Math.round(slots / 4f));
    return List.of(
        new Phase("healthy", Timeline.SLOT.multipliedBy(quarter), Backend.HEALTHY),
        new Phase("failing", Timeline.SLOT.multipliedBy(quarter), Backend.DEAD),
        new Phase("healed", Timeline.SLOT.multipliedBy(slots - 2L * quarter), Backend.HEALTHY));
  }

  /** Ends the run early; the run still drains, reports and returns. Any thread may call it. */
  void stop() {
    stopped = true;
  }

  /** The record of one lane. */
  record LaneResult(String name, Timeline timeline, Metrics metrics, long received) {}

  /** The record of a run; {@code stopped} if it ended early. */
  record Result(List<LaneResult> lanes, boolean stopped) {}

  Result run() throws IOException {
    Health health = new Health();
    int total = 0;
    for (Phase p : phases) {
      total += p.slots();
    }
    out.printf(
        Locale.ROOT,
        "live: %s rps for %s, %s%n"
            + "gRPC (Netty) through BackstopClientInterceptor, HTTP (JDK HttpServer) through"
            + " BackstopHttpClient, servers on 127.0.0.1%n",
        Report.number(rps),
        Report.duration(Timeline.SLOT.multipliedBy(total)),
        describe());
    try (GrpcLane grpc = new GrpcLane(backstop(), health);
        HttpLane http = new HttpLane(backstop(), health)) {
      // One request each, outside the breakers and the counts, so that connections are open and
      // classes loaded before the clock starts.
      grpc.warmUp();
      http.warmUp();
      health.reset();
      List<Recorder> recorders = List.of(new Recorder(grpc, total), new Recorder(http, total));
      out.println(headerLine(recorders));
      out.flush();
      int cut = drive(health, recorders, total);
      drain(recorders);
      int seconds = (cut + 9) / 10;
      for (int s = printedSeconds; s < seconds; s++) {
        out.println(secondLine(recorders, s, cut));
      }
      out.flush();
      List<Phase> ran = truncate(phases, cut);
      List<LaneResult> lanes = new ArrayList<>();
      long[] received = {health.grpc(), health.http()};
      for (int i = 0; i < recorders.size(); i++) {
        Timeline t = recorders.get(i).timeline(ran, cut);
        lanes.add(new LaneResult(recorders.get(i).lane.name(), t, Metrics.of(t), received[i]));
      }
      return new Result(lanes, stopped);
    }
  }

  String describe() {
    return Report.settings(breaker.get().build().settings());
  }

  private Backstop backstop() {
    return Backstop.builder()
        .breakers(operation -> breaker.get().name(operation).build())
        .build();
  }

  /** Drives the lanes until the end or a stop; returns the number of slots with requests. */
  private int drive(Health health, List<Recorder> recorders, int total) {
    long start = System.nanoTime();
    long end = start + total * SLOT;
    long issued = 0;
    long burst = Math.max(1, (long) (rps / 20));
    int phase = 0;
    int phaseEnd = phases.get(0).slots();
    int slot = 0;
    health.set(true);
    while (!stopped) {
      long now = System.nanoTime();
      if (now - end >= 0) {
        break;
      }
      int current = (int) ((now - start) / SLOT);
      while (slot < current) {
        for (Recorder r : recorders) {
          r.sample(slot);
        }
        slot++;
        if (slot % 10 == 2 && slot >= 12) {
          out.println(secondLine(recorders, printedSeconds++, total));
          out.flush();
        }
      }
      while (current >= phaseEnd && phase + 1 < phases.size()) {
        phase++;
        phaseEnd += phases.get(phase).slots();
        health.set(phases.get(phase).backend() instanceof Backend.Healthy);
      }
      long due = (long) ((now - start) * rps / 1e9) + 1;
      // A driver that fell behind (a loaded machine, a GC pause) skips the arrivals it missed
      // rather than firing them in a burst that no steady client would send.
      issued = Math.max(issued, due - burst);
      for (; issued < due; issued++) {
        for (Recorder r : recorders) {
          r.send(current);
        }
      }
      LockSupport.parkNanos(Math.min(1_000_000L, Math.max(0, (long) (1e9 / rps))));
    }
    int cut = stopped ? Math.min(total, slot + 1) : total;
    for (; slot < cut; slot++) {
      for (Recorder r : recorders) {
        r.sample(slot);
      }
    }
    return cut;
  }

  private static void drain(List<Recorder> recorders) {
    long deadline = System.nanoTime() + DRAIN;
    for (Recorder r : recorders) {
      while (r.pending.get() > 0 && System.nanoTime() - deadline < 0) {
        LockSupport.parkNanos(1_000_000L);
      }
    }
  }

  static List<Phase> truncate(List<Phase> phases, int slots) {
    List<Phase> kept = new ArrayList<>();
    int left = slots;
    for (Phase p : phases) {
      if (left <= 0) {
        break;
      }
      int n = Math.min(left, p.slots());
      kept.add(
          n == p.slots() ? p : new Phase(p.name(), Timeline.SLOT.multipliedBy(n), p.backend()));
      left -= n;
    }
    return kept;
  }

  private String headerLine(List<Recorder> recorders) {
    StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%5s %-8s", "time", "phase"));
    for (Recorder r : recorders) {
      b.append(
          String.format(
              Locale.ROOT,
              " | %-4s %7s %5s %8s %6s %-6s %7s",
              r.lane.name(), "offered", "sent", "rejected", "failed", "state", "p"));
    }
    return b.toString();
  }

  private String secondLine(List<Recorder> recorders, int second, int limit) {
    int from = second * 10;
    int to = Math.min(from + 10, limit);
    String phase = phaseAt(from);
    StringBuilder b =
        new StringBuilder(String.format(Locale.ROOT, "%4ds %-8s", second + 1, phase));
    for (Recorder r : recorders) {
      long o = 0, s = 0, j = 0, f = 0;
      for (int i = from; i < to; i++) {
        o += r.offered.get(i);
        s += r.sent.get(i);
        j += r.rejected.get(i);
        f += r.failed.get(i);
      }
      int last = to - 1;
      b.append(
          String.format(
              Locale.ROOT,
              " | %-4s %7d %5d %8d %6d %-6s %6.1f%%",
              "",
              o,
              s,
              j,
              f,
              r.state[last] == null ? "-" : r.state[last],
              Double.isNaN(r.probability[last]) ? 0 : r.probability[last] * 100));
    }
    return b.toString();
  }

  private String phaseAt(int slot) {
    int end = 0;
    for (Phase p : phases) {
      end += p.slots();
      if (slot < end) {
        return p.name();
      }
    }
    return phases.get(phases.size() - 1).name();
  }

  /** Daemon threads named after their pool, so a stuck pool never keeps the JVM alive. */
  static ThreadFactory daemon(String name) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, name + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  /** Counts one lane's requests per slot, from every thread. */
  private static final class Recorder {
    final Lane lane;
    final AtomicLongArray offered;
    final AtomicLongArray sent;
    final AtomicLongArray rejected;
    final AtomicLongArray failed;
    final double[] probability;
    final State[] state;
    final AtomicLong pending = new AtomicLong();

    Recorder(Lane lane, int slots) {
      this.lane = lane;
      this.offered = new AtomicLongArray(slots);
      this.sent = new AtomicLongArray(slots);
      this.rejected = new AtomicLongArray(slots);
      this.failed = new AtomicLongArray(slots);
      this.probability = new double[slots];
      this.state = new State[slots];
    }

    void send(int slot) {
      offered.incrementAndGet(slot);
      pending.incrementAndGet();
      lane.send(
          outcome -> {
            switch (outcome) {
              case OK -> sent.incrementAndGet(slot);
              case FAILED -> {
                sent.incrementAndGet(slot);
                failed.incrementAndGet(slot);
              }
              case REJECTED -> rejected.incrementAndGet(slot);
            }
            pending.decrementAndGet();
          });
    }

    /** Called by the driver only, when the slot has ended. */
    void sample(int slot) {
      Snapshot s = lane.snapshot();
      probability[slot] = s == null ? Double.NaN : s.probability();
      state[slot] = s == null ? null : s.state();
    }

    Timeline timeline(List<Phase> phases, int slots) {
      List<Slot> list = new ArrayList<>(slots);
      for (int i = 0; i < slots; i++) {
        // A request still unanswered after the drain left the client and never came back: a
        // failure, as a timeout would be.
        long lost = offered.get(i) - sent.get(i) - rejected.get(i);
        list.add(
            new Slot(
                offered.get(i),
                sent.get(i) + lost,
                rejected.get(i),
                failed.get(i) + lost,
                probability[i]));
      }
      return new Timeline(phases, list);
    }
  }
}
