package dev.backstop.drill;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * How well a breaker protected the backend and the callers during one run.
 *
 * <p>A metric that does not apply to the run's scenario (a leak without a dead phase, say) is
 * {@link Double#NaN}. Shares are in [0, 1]. Values are immutable and thread-safe.
 *
 * @param offered the requests the callers made
 * @param sent the requests that reached the backend
 * @param rejected the requests rejected locally
 * @param failed the requests that failed at the backend
 * @param leak the share of requests offered during {@link Backend#DEAD dead} phases that reached
 *     the backend anyway; for a {@link Backend#slow slow} dead backend, counted from its first
 *     reported failure (the phase's start plus the failure latency)
 * @param recovery the seconds from the end of the last failing phase until the breaker admits
 *     again; see {@link #of(Timeline)} for the exact definition
 * @param falseRejections the share of requests rejected during the {@link Backend#HEALTHY healthy}
 *     phases before the first phase with any other backend, when nothing had failed yet
 * @param admitted the share of requests offered during healthy phases between two failing phases
 *     (the healthy spells of a flapping backend) that reached the backend
 * @param goodput the requests the backend accepted during {@link Backend.Capacity capacity} and
 *     {@link Backend.Quota quota} phases, as a share of what it allowed (capacity × duration)
 * @param sentPerCapacity the requests sent during capacity and quota phases per unit of capacity
 * @param phases the counts of each phase, in order
 */
public record Metrics(
    long offered,
    long sent,
    long rejected,
    long failed,
    double leak,
    double recovery,
    double falseRejections,
    double admitted,
    double goodput,
    double sentPerCapacity,
    List<PhaseStats> phases) {

  /** The share of a second's offered requests the breaker must admit to count as recovered. */
  public static final double ADMITTED = 0.99;

  /** Copies the list. */
  public Metrics {
    phases = List.copyOf(phases);
  }

  /**
   * Computes the metrics of a run.
   *
   * <p>Recovery, at the 100 ms resolution of the timeline: let {@code H} be the end of the last
   * phase whose backend is not healthy, if a phase follows it. Consider every one-second window
   * {@code [H + r, H + r + 1 s)} for {@code r} = 0, 0.1 s, 0.2 s, ... that ends within the run. A
   * window fails if the breaker admitted fewer than 99 % of the requests offered in it. Recovery
   * is {@code r + 0.1 s} for the last failing window, so that every one-second window from then
   * on admits at least 99 %, or 0 if none fails. It is {@link Double#POSITIVE_INFINITY} if the
   * last window fails (not recovered within the run), and {@link Double#NaN} if no phase follows
   * a failing one or there is less than a second of run after it. Because windows slide by 100 ms rather than stepping by whole
   * seconds, this is at least as strict as checking whole seconds.
   */
  public static Metrics of(Timeline timeline) {
    Objects.requireNonNull(timeline, "timeline");
    List<Slot> slots = timeline.slots();
    List<Phase> phases = timeline.phases();
    List<PhaseStats> stats = new ArrayList<>();
    long offered = 0, sent = 0, rejected = 0, failed = 0;
    long deadOffered = 0, deadSent = 0;
    long healthyOffered = 0, healthyRejected = 0;
    long spellOffered = 0, spellSent = 0;
    boolean leading = true;
    double capacityUnits = 0;
    long capacityAccepted = 0, capacitySent = 0;
    int lastFailing = -1;
    for (int i = 0; i < phases.size(); i++) {
      if (!(phases.get(i).backend().base() instanceof Backend.Healthy)) {
        lastFailing = i;
      }
    }
    boolean failedBefore = false;
    for (int i = 0; i < phases.size(); i++) {
      Phase phase = phases.get(i);
      int from = timeline.start(i);
      int to = from + phase.slots();
      long o = 0, s = 0, r = 0, f = 0;
      for (Slot slot : slots.subList(from, to)) {
        o += slot.offered();
        s += slot.sent();
        r += slot.rejected();
        f += slot.failed();
      }
      stats.add(
          new PhaseStats(
              phase.name(), phase.backend(), Timeline.SLOT.multipliedBy(from),
              Timeline.SLOT.multipliedBy(to), o, s, r, f));
      offered += o;
      sent += s;
      rejected += r;
      failed += f;
      Backend backend = phase.backend().base();
      boolean healthy = backend instanceof Backend.Healthy;
      leading &= healthy;
      if (leading) {
        healthyOffered += o;
        healthyRejected += r;
      }
      if (healthy && failedBefore && i < lastFailing) {
        spellOffered += o;
        spellSent += s;
      }
      failedBefore |= !healthy;
      if (backend instanceof Backend.Dead) {
        // A slow backend's first failure is reported only after its latency: count from there.
        long latency = phase.backend().latency(false).toNanos();
        int first = from + (int) -Math.floorDiv(-latency, Timeline.SLOT.toNanos());
        for (Slot slot : slots.subList(Math.min(first, to), to)) {
          deadOffered += slot.offered();
          deadSent += slot.sent();
        }
      }
      if (backend instanceof Backend.Capacity c) {
        capacityUnits += c.perSecond() * phase.duration().toNanos() / 1e9;
        capacityAccepted += s - f;
        capacitySent += s;
      }
      if (backend instanceof Backend.Quota q) {
        capacityUnits += q.perSecond() * phase.duration().toNanos() / 1e9;
        capacityAccepted += s - f;
        capacitySent += s;
      }
    }
    int healed = lastFailing >= 0 && lastFailing + 1 < phases.size()
        ? timeline.start(lastFailing + 1)
        : -1;
    return new Metrics(
        offered,
        sent,
        rejected,
        failed,
        share(deadSent, deadOffered),
        healed < 0 ? Double.NaN : recovery(slots, healed),
        phases.get(0).backend().base() instanceof Backend.Healthy
            ? share(healthyRejected, healthyOffered)
            : Double.NaN,
        share(spellSent, spellOffered),
        capacityUnits == 0 ? Double.NaN : capacityAccepted / capacityUnits,
        capacityUnits == 0 ? Double.NaN : capacitySent / capacityUnits,
        stats);
  }

  private static double recovery(List<Slot> slots, int healed) {
    int width = (int) (Duration.ofSeconds(1).toNanos() / Timeline.SLOT.toNanos());
    int last = slots.size() - width;
    if (last < healed) {
      return Double.NaN;
    }
    long windowOffered = 0, windowSent = 0;
    for (int i = healed; i < healed + width; i++) {
      windowOffered += slots.get(i).offered();
      windowSent += slots.get(i).sent();
    }
    int lastFailing = -1;
    for (int start = healed; ; start++) {
      if (windowSent < ADMITTED * windowOffered) {
        lastFailing = start;
      }
      if (start == last) {
        break;
      }
      windowOffered += slots.get(start + width).offered() - slots.get(start).offered();
      windowSent += slots.get(start + width).sent() - slots.get(start).sent();
    }
    if (lastFailing == last) {
      return Double.POSITIVE_INFINITY;
    }
    return lastFailing < 0 ? 0 : (lastFailing - healed + 1) * Timeline.SLOT.toNanos() / 1e9;
  }

  private static double share(long part, long whole) {
    return whole == 0 ? Double.NaN : (double) part / whole;
  }

  /** Returns the share of offered requests rejected locally, over the whole run. */
  public double rejectedShare() {
    return share(rejected, offered);
  }

  /**
   * The counts of one phase. Values are immutable and thread-safe.
   *
   * @param name the phase's name
   * @param backend the phase's backend
   * @param start when the phase starts, from the start of the run
   * @param end when the phase ends
   * @param offered the requests the callers made
   * @param sent the requests that reached the backend
   * @param rejected the requests rejected locally
   * @param failed the requests that failed at the backend
   */
  public record PhaseStats(
      String name,
      Backend backend,
      Duration start,
      Duration end,
      long offered,
      long sent,
      long rejected,
      long failed) {

    /** Returns the share of offered requests rejected locally, or NaN if none were offered. */
    public double rejectedShare() {
      return share(rejected, offered);
    }
  }
}
