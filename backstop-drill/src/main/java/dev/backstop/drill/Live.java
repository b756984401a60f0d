package dev.backstop.drill;

import dev.backstop.Backstop;
import dev.backstop.SreBreaker;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * The live drill: real servers on loopback whose health a script switches, driven on a schedule
 * by real clients through Backstop breakers, every request accounted for by cause on both sides.
 *
 * <p>One run at a time; {@link #stop()} may be called from any thread (the Ctrl-C hook).
 */
final class Live {

  /*
   * How it works. Each lane (a client and its server) warms up first: requests outside its
   * breaker and outside the servers' counts, so that connections are open and code compiled.
   *
   * Then each lane gets an issuing thread with its own Pacer over the same schedule (the same
   * Arrivals, so both lanes are asked for the same requests at the same times). The thread sleeps
   * until the next arrival and hands each due arrival to its lane: one at most LATE behind the
   * schedule is sent, numbered in its Ledger; one further behind is missed, counted as asked but
   * not offered, so a machine that cannot keep up shows as a shortfall, never as a burst.
   * Requests end on the clients' threads, which record each outcome by cause in the Ledger.
   *
   * The calling thread is the driver: it wakes at every 100 ms boundary of the schedule, reads
   * each breaker's snapshot for the slot that ended, switches the servers' health at phase
   * boundaries, and prints a second's line 200 ms after the second ends, when its requests have
   * mostly come back (the line says how many are still in flight).
   *
   * At the end (or on stop) the driver waits for requests in flight, closes the lanes, and
   * matches every request number against the servers' Receipts: the proof.
   */

  /**
   * The highest rate the drill accepts, per lane. It keeps a byte per request and lane, and no
   * 2-core machine it was measured on came near this rate (see the README); below it, the
   * verdict says whether this machine kept up.
   */
  static final int MAX_RPS = 10_000;

  /**
   * How far behind its schedule an arrival may still be sent: enough for a thread that waited for
   * a core or a short GC pause, little enough that catching up never sends more than 20 ms of
   * arrivals at once. An arrival later than this is missed and counted as the machine's.
   */
  static final Duration LATE = Duration.ofMillis(20);

  private static final long SLOT = Timeline.SLOT.toNanos();
  private static final long DRAIN = Duration.ofSeconds(10).toNanos();

  private final double rps;
  private final Arrivals arrivals;
  private final List<Phase> phases;
  private final Supplier<SreBreaker.Builder> breaker;
  private final PrintWriter out;
  private volatile boolean stopped;
  /** Seconds whose line has been printed; the driver's thread only. */
  private int printedSeconds;

  Live(
      double rps,
      Arrivals arrivals,
      Duration duration,
      Supplier<SreBreaker.Builder> breaker,
      PrintWriter out) {
    if (!(rps > 0 && rps <= MAX_RPS)) {
      throw new IllegalArgumentException(
          "rps must be in (0, " + MAX_RPS + "], was " + Report.number(rps)
              + (rps > MAX_RPS
                  ? ": no 2-core machine the drill was measured on came near " + MAX_RPS
                      + " rps (backstop-drill/live-rates measures this one)"
                  : ""));
    }
    this.rps = rps;
    this.arrivals = Objects.requireNonNull(arrivals, "arrivals");
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

  /**
   * The record of one lane.
   *
   * @param name {@code gRPC} or {@code HTTP}
   * @param describe what the lane runs
   * @param timeline the run in 100 ms slots, for the metrics and the chart
   * @param metrics the breaker's leak, recovery and false rejections
   * @param phases the counts of each phase of the timeline
   * @param total the counts of the whole run
   * @param tally every offered request matched against the server's receipts
   * @param breaker what the lane's breaker was told, through its listener
   * @param lags how far behind the schedule the sent requests left
   * @param answers how long the requests that left the client took to end
   * @param slots the per-slot counts, for the chart
   */
  record LaneResult(
      String name,
      String describe,
      Timeline timeline,
      Metrics metrics,
      List<Ledger.Counts> phases,
      Ledger.Counts total,
      Ledger.Tally tally,
      BreakerCount.Counts breaker,
      Histogram lags,
      Histogram answers,
      List<Ledger.Counts> slots) {}

  /**
   * The record of a run.
   *
   * @param rps the rate asked for, per lane
   * @param arrivals the schedule's arrivals
   * @param duration how long the schedule ran (less than asked if stopped)
   * @param lanes one per lane
   * @param stopped whether it ended early
   */
  record Result(
      double rps, Arrivals arrivals, Duration duration, List<LaneResult> lanes, boolean stopped) {}

  Result run() throws IOException {
    int total = 0;
    for (Phase p : phases) {
      total += p.slots();
    }
    int[] scheduled = Pacer.perSlot(arrivals, rps, SLOT, total);
    int requests = 0;
    for (int n : scheduled) {
      requests += n;
    }
    Health health = new Health();
    List<Receipts> receipts = List.of(new Receipts(requests), new Receipts(requests));
    List<BreakerCount> counts = List.of(new BreakerCount(), new BreakerCount());
    out.printf(
        Locale.ROOT,
        "live: %s rps (%s arrivals) for %s, %s%n",
        Report.number(rps),
        arrivals,
        Report.duration(Timeline.SLOT.multipliedBy(total)),
        describe());
    List<Lane> lanes = new ArrayList<>();
    List<Ledger> ledgers = new ArrayList<>();
    List<Pacer> pacers = new ArrayList<>();
    int cut;
    try {
      lanes.add(new GrpcLane(backstop(counts.get(0)), health, receipts.get(0)));
      lanes.add(new HttpLane(backstop(counts.get(1)), health, receipts.get(1)));
      // Enough concurrent warm-up requests to open the connections the rate keeps in flight
      // (a few per thousand rps, with a margin for hiccups), and two seconds' worth of them (at
      // least 1000, at most 5 s of sending) to compile the path: a lane that starts cold at a
      // high rate falls behind, and the JDK's HttpClient then opens a connection per request in
      // flight, which takes seconds to recover from.
      int concurrency = (int) Math.min(64, Math.max(4, rps / 100));
      for (Lane lane : lanes) {
        out.println(lane.name() + ": " + lane.describe());
        lane.warmUp((int) Math.max(1000, 2 * rps), concurrency);
      }
      out.println(headerLine(lanes));
      out.flush();
      for (int i = 0; i < lanes.size(); i++) {
        ledgers.add(new Ledger(total, requests));
        pacers.add(new Pacer(arrivals, rps, LATE.toNanos(), total * SLOT));
      }
      cut = drive(health, lanes, ledgers, pacers, scheduled);
      drain(ledgers);
    } finally {
      for (Lane lane : lanes) {
        lane.close();
      }
    }
    int seconds = (cut + 9) / 10;
    for (int s = printedSeconds; s < seconds; s++) {
      out.println(secondLine(lanes, ledgers, scheduled, s, cut));
    }
    out.flush();
    List<Phase> ran = truncate(phases, cut);
    List<LaneResult> results = new ArrayList<>();
    for (int i = 0; i < lanes.size(); i++) {
      Ledger ledger = ledgers.get(i);
      Timeline t = ledger.timeline(ran);
      List<Ledger.Counts> byPhase = new ArrayList<>();
      for (int p = 0; p < ran.size(); p++) {
        byPhase.add(ledger.counts(t.start(p), t.start(p) + ran.get(p).slots()));
      }
      List<Ledger.Counts> bySlot = new ArrayList<>();
      for (int s = 0; s < cut; s++) {
        bySlot.add(ledger.counts(s, s + 1));
      }
      results.add(
          new LaneResult(
              lanes.get(i).name(),
              lanes.get(i).describe(),
              t,
              Metrics.of(t),
              byPhase,
              ledger.counts(0, cut),
              ledger.tally(receipts.get(i)),
              counts.get(i).counts(),
              pacers.get(i).lags(),
              ledger.answers(),
              bySlot));
    }
    return new Result(rps, arrivals, Timeline.SLOT.multipliedBy(cut), results, stopped);
  }

  String describe() {
    return Report.settings(breaker.get().build().settings());
  }

  private Backstop backstop(BreakerCount count) {
    return Backstop.builder()
        .breakers(operation -> breaker.get().name(operation).build())
        .listener(count)
        .build();
  }

  /** Drives the lanes until the end or a stop; returns the number of slots the run covers. */
  private int drive(
      Health health, List<Lane> lanes, List<Ledger> ledgers, List<Pacer> pacers, int[] scheduled)
      throws IOException {
    int total = scheduled.length;
    // A little ahead, so that every issuing thread is waiting when the schedule starts.
    long start = System.nanoTime() + 20_000_000L;
    AtomicReference<Throwable> failure = new AtomicReference<>();
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < lanes.size(); i++) {
      Lane lane = lanes.get(i);
      Ledger ledger = ledgers.get(i);
      Pacer pacer = pacers.get(i);
      Thread t =
          new Thread(
              () -> {
                try {
                  issue(lane, ledger, pacer, start);
                } catch (RuntimeException | Error e) {
                  failure.compareAndSet(null, e);
                  stopped = true;
                }
              },
              "drill-issue-" + lane.name());
      t.setDaemon(true);
      threads.add(t);
    }
    threads.forEach(Thread::start);
    int phase = 0;
    int phaseEnd = phases.get(0).slots();
    health.set(phases.get(0).backend() instanceof Backend.Healthy);
    int slot = 0;
    while (slot < total && sleepUntil(start + (slot + 1) * SLOT)) {
      for (int i = 0; i < lanes.size(); i++) {
        ledgers.get(i).sample(slot, lanes.get(i).snapshot());
      }
      slot++;
      if (slot == phaseEnd && phase + 1 < phases.size()) {
        phase++;
        phaseEnd += phases.get(phase).slots();
        health.set(phases.get(phase).backend() instanceof Backend.Healthy);
      }
      if (slot % 10 == 2 && slot >= 12) {
        out.println(secondLine(lanes, ledgers, scheduled, printedSeconds++, total));
        out.flush();
      }
    }
    int cut = slot;
    if (slot < total) {
      // Stopped during this slot: it counts, as far as it went.
      for (int i = 0; i < lanes.size(); i++) {
        ledgers.get(i).sample(slot, lanes.get(i).snapshot());
      }
      cut = slot + 1;
    }
    for (Thread t : threads) {
      try {
        t.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    if (failure.get() != null) {
      throw new IOException("the drill failed while sending: " + failure.get(), failure.get());
    }
    return cut;
  }

  /** Sleeps until {@code deadline} (a {@link System#nanoTime()}); false if stopped first. */
  private boolean sleepUntil(long deadline) {
    long left;
    while (!stopped && (left = deadline - System.nanoTime()) > 0) {
      LockSupport.parkNanos(Math.min(left, 10_000_000L));
    }
    return !stopped;
  }

  /** The issuing thread of one lane: sends each arrival of the schedule when it is due. */
  private void issue(Lane lane, Ledger ledger, Pacer pacer, long start) {
    Pacer.Sink sink =
        new Pacer.Sink() {
          @Override
          public void issue(long at, long lag) {
            int slot = (int) (at / SLOT);
            int id = ledger.offer(slot);
            long sent = System.nanoTime();
            lane.send(id, outcome -> ledger.done(id, slot, outcome, System.nanoTime() - sent));
          }

          @Override
          public void miss(long at) {
            ledger.missed((int) (at / SLOT));
          }
        };
    while (!stopped) {
      long wait = pacer.poll(System.nanoTime() - start, sink);
      if (wait < 0) {
        return;
      }
      if (wait > 0) {
        LockSupport.parkNanos(Math.min(wait, 10_000_000L));
      }
    }
  }

  private static void drain(List<Ledger> ledgers) {
    long deadline = System.nanoTime() + DRAIN;
    for (Ledger l : ledgers) {
      while (l.pending() > 0 && System.nanoTime() - deadline < 0) {
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

  private static final String LANE_COLUMNS = " | %-4s %7s %8s %6s %7s %9s %7s %6s";

  private static String headerLine(List<Lane> lanes) {
    StringBuilder b =
        new StringBuilder(String.format(Locale.ROOT, "%5s %-8s %6s", "time", "phase", "asked"));
    for (Lane lane : lanes) {
      b.append(
          String.format(
              Locale.ROOT,
              LANE_COLUMNS,
              lane.name(), "offered", "rejected", "ok", "backend", "transport", "ignored", "p"));
    }
    return b.toString();
  }

  /**
   * The line of one second: the arrivals the schedule asked for, then per lane what it offered
   * and how those requests have ended so far; a note when a lane offered less than the schedule
   * asked (arrivals its thread has not reached yet count as short: by now they are too late) or
   * requests are still in flight.
   */
  private String secondLine(
      List<Lane> lanes, List<Ledger> ledgers, int[] scheduled, int second, int limit) {
    int from = second * 10;
    int to = Math.min(from + 10, limit);
    long asked = 0;
    for (int i = from; i < to; i++) {
      asked += scheduled[i];
    }
    StringBuilder b =
        new StringBuilder(
            String.format(Locale.ROOT, "%4ds %-8s %6d", second + 1, phaseAt(from), asked));
    List<String> notes = new ArrayList<>();
    for (int i = 0; i < lanes.size(); i++) {
      Ledger ledger = ledgers.get(i);
      Ledger.Counts c = ledger.counts(from, to);
      double p = ledger.probability(to - 1);
      b.append(
          String.format(
              Locale.ROOT,
              LANE_COLUMNS,
              "",
              c.offered(),
              c.of(Lane.Outcome.REJECTED),
              c.of(Lane.Outcome.OK),
              c.of(Lane.Outcome.BACKEND),
              c.transport(),
              c.of(Lane.Outcome.IGNORED),
              String.format(Locale.ROOT, "%.1f%%", Double.isNaN(p) ? 0 : p * 100)));
      String name = lanes.get(i).name();
      if (c.offered() < asked) {
        notes.add(name + " " + LiveReport.shortfall(c.offered(), asked));
      }
      if (c.of(Lane.Outcome.UNANSWERED) > 0) {
        notes.add(name + " " + c.of(Lane.Outcome.UNANSWERED) + " in flight");
      }
    }
    if (!notes.isEmpty()) {
      b.append("  (").append(String.join("; ", notes)).append(')');
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
}
