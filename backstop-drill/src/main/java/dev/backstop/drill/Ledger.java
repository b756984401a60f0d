package dev.backstop.drill;

import dev.backstop.Snapshot;
import dev.backstop.State;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * One live lane's account of its requests: per 100 ms slot of the schedule, how many were asked
 * for, offered, and how each offered request ended, by {@link Lane.Outcome cause}; per request
 * number, its outcome, so that {@link #tally(Receipts)} can match every request against what the
 * server received.
 *
 * <p>The issuing thread calls {@link #missed} and {@link #offer}; any thread calls {@link #done};
 * the drill's driver calls {@link #sample}. Everything else reads, at any time; once no request is
 * in flight, the counts are final.
 */
final class Ledger {

  /*
   * How it works. Counts live in one AtomicLongArray, COLUMNS per slot: asked, offered, then one
   * column per outcome but UNANSWERED (offered minus the others, while a request is in flight or
   * after it was given up). A request is attributed to the slot of its scheduled arrival, not of
   * its issue or its end, so a slot's offered never exceeds its asked.
   *
   * Request numbers are handed out in issue order from 0. Each number's outcome is one byte
   * (Outcome ordinal + 1; 0 while unanswered), written with release and read with acquire
   * semantics through a VarHandle, so a reader sees an outcome only with the counts before it.
   */

  private static final Lane.Outcome[] OUTCOMES = Lane.Outcome.values();
  private static final int ASKED = 0;
  private static final int OFFERED = 1;
  private static final int COLUMNS = 2 + OUTCOMES.length - 1;
  private static final VarHandle BYTES = MethodHandles.arrayElementVarHandle(byte[].class);

  private final int slots;
  private final AtomicLongArray counts;
  private final byte[] outcomes;
  private final AtomicLong pending = new AtomicLong();
  private final Histogram answers = new Histogram();
  private final double[] probability;
  private final State[] state;
  private int issued;

  /** A ledger for {@code slots} slots and at most {@code requests} offered requests. */
  Ledger(int slots, int requests) {
    this.slots = slots;
    this.counts = new AtomicLongArray(Math.multiplyExact(slots, COLUMNS));
    this.outcomes = new byte[requests];
    this.probability = new double[slots];
    this.state = new State[slots];
    java.util.Arrays.fill(probability, Double.NaN);
  }

  int slots() {
    return slots;
  }

  /** An arrival of {@code slot} that the issuing thread could not send on time. */
  void missed(int slot) {
    counts.incrementAndGet(slot * COLUMNS + ASKED);
  }

  /**
   * An arrival of {@code slot} about to be sent; returns its request number. Issuing thread only.
   *
   * @throws IllegalStateException if more requests are offered than the ledger holds
   */
  int offer(int slot) {
    if (issued == outcomes.length) {
      throw new IllegalStateException("ledger full: " + issued + " requests");
    }
    counts.incrementAndGet(slot * COLUMNS + ASKED);
    counts.incrementAndGet(slot * COLUMNS + OFFERED);
    pending.incrementAndGet();
    return issued++;
  }

  /**
   * Request {@code id} of {@code slot} ended with {@code outcome}, {@code nanos} after it was
   * issued; each request ends at most once.
   */
  void done(int id, int slot, Lane.Outcome outcome, long nanos) {
    if (outcome == Lane.Outcome.UNANSWERED) {
      throw new IllegalArgumentException("outcome must be an end, was " + outcome);
    }
    if (!BYTES.compareAndSet(outcomes, id, (byte) 0, (byte) (outcome.ordinal() + 1))) {
      throw new IllegalStateException("request " + id + " ended twice");
    }
    counts.incrementAndGet(slot * COLUMNS + 2 + outcome.ordinal());
    if (outcome != Lane.Outcome.REJECTED) {
      answers.add(nanos);
    }
    pending.decrementAndGet();
  }

  /** Requests offered whose end has not come. */
  long pending() {
    return pending.get();
  }

  /** The time from issue to end of the requests that left the client. */
  Histogram answers() {
    return answers;
  }

  /** Records the breaker's snapshot at the end of {@code slot}; the driver's thread only. */
  void sample(int slot, Snapshot s) {
    probability[slot] = s == null ? Double.NaN : s.probability();
    state[slot] = s == null ? null : s.state();
  }

  double probability(int slot) {
    return probability[slot];
  }

  State state(int slot) {
    return state[slot];
  }

  /** The requests of slots {@code [from, to)}, by outcome, as they stand now. */
  Counts counts(int from, int to) {
    long asked = 0, offered = 0;
    long[] ends = new long[OUTCOMES.length];
    for (int slot = from; slot < to; slot++) {
      asked += counts.get(slot * COLUMNS + ASKED);
      long o = counts.get(slot * COLUMNS + OFFERED);
      offered += o;
      long ended = 0;
      for (Lane.Outcome outcome : OUTCOMES) {
        if (outcome != Lane.Outcome.UNANSWERED) {
          long n = counts.get(slot * COLUMNS + 2 + outcome.ordinal());
          ends[outcome.ordinal()] += n;
          ended += n;
        }
      }
      ends[Lane.Outcome.UNANSWERED.ordinal()] += o - ended;
    }
    return new Counts(asked, offered, ends);
  }

  /**
   * The run as a {@link Timeline} over {@code phases}, from the first slot for as many slots as
   * they cover: offered, sent (offered but not rejected), rejected, failed at the backend ({@link
   * Lane.Outcome#BACKEND} only: the live chart draws the other causes beside it), and the
   * breaker's probability, per slot.
   */
  Timeline timeline(List<Phase> phases) {
    int n = 0;
    for (Phase p : phases) {
      n += p.slots();
    }
    List<Slot> list = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      Counts c = counts(i, i + 1);
      long rejected = c.of(Lane.Outcome.REJECTED);
      list.add(
          new Slot(
              c.offered(),
              c.offered() - rejected,
              rejected,
              c.of(Lane.Outcome.BACKEND),
              probability[i]));
    }
    return new Timeline(phases, list);
  }

  /** Matches every offered request against {@code receipts}: by outcome, how many reached it. */
  Tally tally(Receipts receipts) {
    Map<Lane.Outcome, long[]> byOutcome = new EnumMap<>(Lane.Outcome.class);
    for (Lane.Outcome o : OUTCOMES) {
      byOutcome.put(o, new long[2]);
    }
    int n = issued;
    for (int id = 0; id < n; id++) {
      byte b = (byte) BYTES.getAcquire(outcomes, id);
      Lane.Outcome o = b == 0 ? Lane.Outcome.UNANSWERED : OUTCOMES[b - 1];
      long[] row = byOutcome.get(o);
      row[0]++;
      if (receipts.contains(id)) {
        row[1]++;
      }
    }
    return new Tally(n, byOutcome, receipts.received(), receipts.repeats(), receipts.strays());
  }

  /**
   * Counts of a stretch of slots.
   *
   * @param asked the arrivals the schedule asked for
   * @param offered the requests sent to the breaker (the rest were missed)
   * @param ends the offered requests by {@link Lane.Outcome} ordinal; they add up to {@code
   *     offered}
   */
  record Counts(long asked, long offered, long[] ends) {

    long of(Lane.Outcome outcome) {
      return ends[outcome.ordinal()];
    }

    long missed() {
      return asked - offered;
    }

    /** Failures of the transport: refused, reset, timeout and other. */
    long transport() {
      long n = 0;
      for (Lane.Outcome o : OUTCOMES) {
        if (o.transport()) {
          n += of(o);
        }
      }
      return n;
    }
  }

  /**
   * Every offered request, matched against the server's receipts.
   *
   * @param offered the requests offered
   * @param byOutcome per outcome, {requests, of which the server received}
   * @param received distinct requests the server received
   * @param repeats receipts of a request the server had already received (client retries)
   * @param strays receipts of numbers the client never gave
   */
  record Tally(
      long offered, Map<Lane.Outcome, long[]> byOutcome, long received, long repeats, long strays) {

    long count(Lane.Outcome o) {
      return byOutcome.get(o)[0];
    }

    long reached(Lane.Outcome o) {
      return byOutcome.get(o)[1];
    }

    /** Requests that left the client: offered minus rejected. */
    long sent() {
      return offered - count(Lane.Outcome.REJECTED);
    }

    /** Requests of outcome {@code o} that never reached the server. */
    long lost(Lane.Outcome o) {
      return count(o) - reached(o);
    }

    /** Requests that left the client and never reached the server, by the client's count. */
    long lost() {
      return sent() - (sentReached());
    }

    private long sentReached() {
      long n = 0;
      for (Lane.Outcome o : OUTCOMES) {
        if (o != Lane.Outcome.REJECTED) {
          n += reached(o);
        }
      }
      return n;
    }

    /**
     * Whether the server's own count, the requests lost in transport and the requests rejected
     * locally add up to the requests offered: so exactly when the server received no rejected
     * request, no number the client never gave and nothing beyond what was offered.
     */
    boolean balanced() {
      return strays == 0 && received + lost() + count(Lane.Outcome.REJECTED) == offered;
    }

    /** Requests answered by the server (ok or the backend's failure) that it has no receipt of. */
    long answeredUnreceived() {
      return lost(Lane.Outcome.OK) + lost(Lane.Outcome.BACKEND);
    }
  }
}
