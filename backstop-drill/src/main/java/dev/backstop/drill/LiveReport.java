package dev.backstop.drill;

import java.awt.Color;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The live drill's summary, proof and chart lines, from a {@link Live.Result}. Stateless. */
final class LiveReport {

  /** A run's shortfall of at least this share of what was asked is the machine's limit. */
  static final double LIMIT = 0.01;

  /** A second's shortfall of at least this share of what was asked is the machine's limit. */
  static final double SECOND_LIMIT = 0.1;

  /**
   * Answers slower than this at the 99th percentile are the machine's limit: the servers answer
   * at once over loopback, so time beyond a few milliseconds is spent waiting for a core, and a
   * quarter of a second is a fair share of the breaker's one-second reactions.
   */
  static final long SLOW = 250_000_000L;

  private static final Color TRANSPORT = new Color(0x6A1B9A);
  private static final Color IGNORED = new Color(0x00838F);
  private static final Color ASKED = new Color(0x424242);

  private LiveReport() {}

  /** Prints the summary of each lane, how closely the run kept to its rate, and the proof. */
  static void print(Live.Result result, PrintWriter out) {
    out.println();
    if (result.stopped()) {
      out.println("stopped early: the summary covers the run so far");
    }
    for (Live.LaneResult lane : result.lanes()) {
      out.println(lane.name() + " (" + lane.describe() + "):");
      out.print(table(lane));
      out.println();
    }
    for (Live.LaneResult lane : result.lanes()) {
      out.println(pace(result, lane));
    }
    for (Live.LaneResult lane : result.lanes()) {
      out.println(proof(lane));
      out.println(breaker(lane));
    }
    out.println(verdict(result));
    out.flush();
  }

  /**
   * Whether this machine kept up with the rate asked: every lane sent on schedule (missing less
   * than {@link #LIMIT} of it), answered within {@link #SLOW} at the 99th percentile, and had no
   * transport failure; otherwise what fell short.
   */
  static String verdict(Live.Result result) {
    List<String> limits = new ArrayList<>();
    for (Live.LaneResult lane : result.lanes()) {
      Ledger.Counts t = lane.total();
      if (t.asked() > 0 && (double) t.missed() / t.asked() >= LIMIT) {
        limits.add(
            String.format(
                Locale.ROOT,
                "%s offered %s of %s rps",
                lane.name(),
                rate(t.offered() / (result.duration().toNanos() / 1e9)),
                rate(result.rps())));
      }
      if (lane.answers().quantile(0.99) > SLOW) {
        limits.add(
            lane.name() + " answers took up to " + millis(lane.answers().quantile(0.99))
                + " (p99), so requests sent in one phase were answered in the next");
      }
      if (t.transport() > 0) {
        limits.add(lane.name() + " had " + t.transport() + " transport failures");
      }
    }
    String rate = rate(result.rps()) + " rps";
    if (limits.isEmpty()) {
      return "verdict: this machine kept up with " + rate + ": at least 99 % of the schedule sent"
          + " on time, answers p99 within " + millis(SLOW) + ", no transport failure";
    }
    return "verdict: this machine could not keep up with " + rate + ": "
        + String.join("; ", limits)
        + ". These numbers describe the machine as much as the breaker: try a lower --rps.";
  }

  /**
   * A second's shortfall in a few words: how many were offered of those asked, named as this
   * machine's limit from {@link #SECOND_LIMIT} of them on; less is what one pause of a few tens of
   * milliseconds misses, and the run's summary judges pauses over the whole run.
   */
  static String shortfall(long offered, long asked) {
    return asked - offered >= SECOND_LIMIT * asked
        ? String.format(Locale.ROOT, "offered %d of %d: this machine's limit", offered, asked)
        : String.format(Locale.ROOT, "offered %d of %d, %d late", offered, asked, asked - offered);
  }

  /** The lane's counts per phase and in all, its failures by cause, metrics and answer times. */
  static String table(Live.LaneResult lane) {
    StringBuilder out = new StringBuilder();
    String row = "%-8s %-11s %8s %8s %8s %8s %8s %9s %8s %10s%n";
    out.append(
        String.format(
            Locale.ROOT, row, "phase", "time", "asked", "offered", "rejected", "ok", "backend",
            "transport", "ignored", "unanswered"));
    Metrics m = lane.metrics();
    for (int i = 0; i < lane.phases().size(); i++) {
      Metrics.PhaseStats p = m.phases().get(i);
      out.append(
          counts(row, p.name(),
              Report.number(p.start().toNanos() / 1e9) + "-" + Report.duration(p.end()),
              lane.phases().get(i)));
    }
    out.append(counts(row, "all", "", lane.total()));
    Ledger.Counts t = lane.total();
    out.append(
        String.format(
            Locale.ROOT,
            "transport failures: refused %d, reset %d, timeout %d, other %d%n",
            t.of(Lane.Outcome.REFUSED),
            t.of(Lane.Outcome.RESET),
            t.of(Lane.Outcome.TIMEOUT),
            t.of(Lane.Outcome.OTHER)));
    out.append(
        String.format(
            Locale.ROOT,
            "leak %s   recovery %s   false rejections %s   rejected %s%n",
            Report.percent(m.leak()),
            Report.seconds(m.recovery()),
            Report.percent(m.falseRejections()),
            Report.percent(m.rejectedShare())));
    Histogram a = lane.answers();
    out.append(
        a.count() == 0
            ? "answers: none (every request was rejected)\n"
            : String.format(
                Locale.ROOT,
                "answers: p50 <= %s, p99 <= %s, max %s, from sending to the outcome%n",
                millis(a.quantile(0.5)),
                millis(a.quantile(0.99)),
                millis(a.max())));
    return out.toString();
  }

  private static String counts(String row, String name, String time, Ledger.Counts c) {
    return String.format(
        Locale.ROOT,
        row,
        name,
        time,
        c.asked(),
        c.offered(),
        c.of(Lane.Outcome.REJECTED),
        c.of(Lane.Outcome.OK),
        c.of(Lane.Outcome.BACKEND),
        c.transport(),
        c.of(Lane.Outcome.IGNORED),
        c.of(Lane.Outcome.UNANSWERED));
  }

  /**
   * How closely the lane kept to the rate asked: every arrival sent, or the shortfall, named as
   * this machine's limit when it reaches {@link #LIMIT} of what was asked.
   */
  static String pace(Live.Result result, Live.LaneResult lane) {
    Ledger.Counts t = lane.total();
    double seconds = result.duration().toNanos() / 1e9;
    String lags =
        String.format(
            Locale.ROOT,
            "sent p99 <= %s, max %s behind the schedule",
            millis(lane.lags().quantile(0.99)),
            millis(lane.lags().max()));
    String head =
        String.format(
            Locale.ROOT,
            "%s: offered %d of %d asked (%s arrivals)",
            lane.name(),
            t.offered(),
            t.asked(),
            result.arrivals());
    if (t.missed() == 0) {
      return head + ", every request on time: " + lags;
    }
    double share = (double) t.missed() / t.asked();
    String late =
        String.format(
            Locale.ROOT,
            "%d arrivals (%s) were more than %d ms behind the schedule and not sent",
            t.missed(),
            Report.percent(share),
            Live.LATE.toMillis());
    if (share < LIMIT) {
      return head + ": " + late + ", pauses of this machine; " + lags;
    }
    return String.format(
        Locale.ROOT,
        "%s: offered %s of %s rps asked: this machine's limit; %s; %s",
        head,
        rate(t.offered() / seconds),
        rate(result.rps()),
        late,
        lags);
  }

  /**
   * The server-side proof: what the server received, plus what was lost between client and
   * server, plus what the breaker rejected, is what was offered, with every request matched by
   * its number.
   */
  static String proof(Live.LaneResult lane) {
    Ledger.Tally t = lane.tally();
    long rejected = t.count(Lane.Outcome.REJECTED);
    String lost;
    if (t.lost() == 0) {
      lost = "0 lost in transport";
    } else {
      List<String> causes = new ArrayList<>();
      for (Lane.Outcome o : Lane.Outcome.values()) {
        if (o != Lane.Outcome.REJECTED && t.lost(o) > 0) {
          causes.add(o.label() + " " + t.lost(o));
        }
      }
      lost = t.lost() + " lost in transport (" + String.join(", ", causes) + ")";
    }
    StringBuilder b =
        new StringBuilder(
            String.format(
                Locale.ROOT,
                "%s: the server received %d, %s, %d rejected locally: %d + %d + %d = %d",
                lane.name(),
                t.received(),
                lost,
                rejected,
                t.received(),
                t.lost(),
                rejected,
                t.received() + t.lost() + rejected));
    if (t.balanced()) {
      b.append(" offered, each request matched by its number, so no rejected request left the"
          + " client");
    } else {
      long sum = t.received() + t.lost() + rejected;
      b.append(sum == t.offered() ? " offered" : " but " + t.offered() + " were offered");
      if (t.reached(Lane.Outcome.REJECTED) > 0) {
        b.append("; yet ").append(t.reached(Lane.Outcome.REJECTED))
            .append(" rejected requests reached the server");
      }
      if (t.strays() > 0) {
        b.append("; yet the server also received ").append(t.strays())
            .append(" requests carrying no number the client gave");
      }
    }
    if (t.repeats() > 0) {
      b.append("; ").append(t.repeats()).append(" requests arrived again (client retries)");
    }
    if (t.answeredUnreceived() > 0) {
      b.append("; ").append(t.answeredUnreceived())
          .append(" answered requests have no receipt at the server");
    }
    return b.toString();
  }

  /** What the breaker was told, against what the drill counted. */
  static String breaker(Live.LaneResult lane) {
    BreakerCount.Counts b = lane.breaker();
    Ledger.Counts t = lane.total();
    long failed = t.of(Lane.Outcome.BACKEND) + t.transport();
    String told =
        String.format(
            Locale.ROOT,
            "%s: the breaker allowed %d (%d successes, %d failures, %d ignored) and rejected %d",
            lane.name(),
            b.allowed(),
            b.success(),
            b.failure(),
            b.ignored(),
            b.rejected());
    boolean agrees =
        b.success() == t.of(Lane.Outcome.OK)
            && b.failure() == failed
            && b.ignored() == t.of(Lane.Outcome.IGNORED)
            && b.rejected() == t.of(Lane.Outcome.REJECTED)
            && b.allowed() == t.offered() - t.of(Lane.Outcome.REJECTED);
    if (agrees) {
      return told + ": as the drill counted";
    }
    return told
        + String.format(
            Locale.ROOT,
            " but the drill counted ok %d, failed %d (backend and transport), ignored %d,"
                + " rejected %d, unanswered %d",
            t.of(Lane.Outcome.OK),
            failed,
            t.of(Lane.Outcome.IGNORED),
            t.of(Lane.Outcome.REJECTED),
            t.of(Lane.Outcome.UNANSWERED));
  }

  /** The lines the live chart draws beside each lane's timeline. */
  static List<Chart.Extra> extras(Live.LaneResult lane) {
    int n = lane.slots().size();
    double[] transport = new double[n];
    double[] ignored = new double[n];
    double[] asked = new double[n];
    boolean missed = false;
    for (int i = 0; i < n; i++) {
      Ledger.Counts c = lane.slots().get(i);
      transport[i] = c.transport();
      ignored[i] = c.of(Lane.Outcome.IGNORED);
      asked[i] = c.asked();
      missed |= c.missed() > 0;
    }
    List<Chart.Extra> extras = new ArrayList<>();
    extras.add(new Chart.Extra("failed in transport", transport, TRANSPORT));
    extras.add(new Chart.Extra("ignored", ignored, IGNORED));
    if (missed) {
      extras.add(new Chart.Extra("asked", asked, ASKED));
    }
    return extras;
  }

  /**
   * A rate in requests per second: whole from 10 on, with thousands grouped (1,450), else with
   * its fraction (2.5).
   */
  static String rate(double rps) {
    return rps >= 10 ? String.format(Locale.ROOT, "%,d", Math.round(rps)) : Report.number(rps);
  }

  /** A duration in nanoseconds as milliseconds: 0.25 ms, 3.1 ms, 12 ms. */
  static String millis(long nanos) {
    double ms = nanos / 1e6;
    if (ms >= 10) {
      return String.format(Locale.ROOT, "%.0f ms", ms);
    }
    return String.format(Locale.ROOT, ms >= 1 ? "%.1f ms" : "%.2f ms", ms);
  }
}
