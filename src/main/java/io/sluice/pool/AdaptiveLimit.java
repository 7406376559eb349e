package io.sluice.pool;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A server's concurrency limit learned from its latency, after Netflix concurrency-limits'
 * Gradient2: the limit grows while the short-term round trip stays near the server's no-load round
 * trip and shrinks in proportion when it rises, because a rising round trip at a steady load means
 * requests queue inside the server.
 *
 * <ul>
 *   <li>Short-term RTT: an exponential average over about ten samples.
 *   <li>No-load RTT: near the lowest round trips seen (as Vegas keeps it: an average would never
 *       see the server unloaded when the load starts above its capacity); a lower sample pulls it
 *       half-way down, so one freak fast answer does not pin it, and it rises towards the
 *       short-term one with a time constant of {@value #NO_LOAD_RISE_SECONDS} s, so a server that
 *       became slower for good is learned again within minutes. (Gradient2 uses a 600-sample
 *       average here; at a few hundred samples a second under a load that never lets up, that
 *       average follows the queueing delay within seconds and the limit drifts up, which a slowly
 *       rising minimum does not.)
 *   <li>Per sample: {@code gradient = clamp(TOLERANCE * noLoad / short, 0.5, 1)}, {@code next =
 *       limit * gradient + queue}, smoothed by a fifth; bounded by {@code [min, max]}. At a steady
 *       state {@code limit ≈ TOLERANCE * workers + queue}: a few requests wait in the server so it
 *       never idles between two, and no more.
 *   <li>A sample taken while fewer than half the limit were in flight does not grow the limit: the
 *       load, not the server, set its round trip (Gradient2's "app-limited" rule).
 * </ul>
 *
 * <p>Threads: any event loop calls {@link #sample}; one at a time folds a sample in (a try-lock
 * flag, so a sample arriving meanwhile is dropped rather than waited for), and {@link #limit()} is
 * a plain volatile read. No allocation per sample.
 */
public final class AdaptiveLimit {
  /**
   * How far above the no-load RTT the short-term RTT may go before the limit shrinks: twice.
   * Gradient2 allows 1.5 over an average; a no-load RTT kept near the lowest samples sits lower,
   * and on a busy host the proxy's own scheduling adds a third or more to a 5 ms round trip, which
   * at 1.25 held the limit at its floor however many workers the server had.
   */
  static final double TOLERANCE = 2.0;

  /**
   * Requests allowed to wait inside the server beyond what the gradient keeps: a quarter of the
   * limit, at least one and at most four. Gradient2's constant four would hold the limit at eight
   * or more however slow the server (at the gradient's floor of one half, {@code L = L / 2 + 4}); a
   * share lets a one-worker server be held near two.
   */
  static final double MAX_QUEUE = 4;

  private static final double SMOOTHING = 0.2;
  private static final double SHORT_WEIGHT = 0.1;
  static final long NO_LOAD_RISE_SECONDS = 60;
  private static final double NO_LOAD_RISE_NANOS = NO_LOAD_RISE_SECONDS * 1e9;

  private static final VarHandle BUSY;

  static {
    try {
      BUSY = MethodHandles.lookup().findVarHandle(AdaptiveLimit.class, "busy", int.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final int min;
  private final int max;

  @SuppressWarnings("unused") // through BUSY
  private volatile int busy;

  /** Written under the flag only. */
  private double estimate;

  private double shortRtt;
  private double noLoadRtt;
  private long lastSampleNanos;

  /** The limit in force: written under the flag, read by every event loop. */
  private volatile int limit;

  /** The two round trips as last folded, published for views (nanoseconds). */
  private volatile long noLoadView;

  private volatile long shortView;

  /**
   * @param min the limit never goes below it (at least 1)
   * @param max the limit never goes above it
   * @param initial where the limit starts
   */
  public AdaptiveLimit(int min, int max, int initial) {
    this.min = Math.max(1, min);
    this.max = Math.max(this.min, max);
    this.estimate = Math.max(this.min, Math.min(this.max, initial));
    this.limit = (int) estimate;
  }

  /**
   * Folds in one round trip.
   *
   * @param rttNanos request sent to response head (HTTP), or the connect time (TCP)
   * @param inFlight requests or connections open on the server when it ended
   */
  public void sample(long rttNanos, int inFlight) {
    if (rttNanos <= 0 || !BUSY.compareAndSet(this, 0, 1)) {
      return;
    }
    try {
      fold(rttNanos, inFlight, System.nanoTime());
    } finally {
      busy = 0;
    }
  }

  private void fold(double rtt, int inFlight, long now) {
    shortRtt = shortRtt == 0 ? rtt : shortRtt + (rtt - shortRtt) * SHORT_WEIGHT;
    if (noLoadRtt == 0) {
      noLoadRtt = rtt;
    } else if (rtt < noLoadRtt) {
      noLoadRtt += (rtt - noLoadRtt) / 2;
    } else {
      double elapsed = Math.min(NO_LOAD_RISE_NANOS, now - lastSampleNanos);
      noLoadRtt += (shortRtt - noLoadRtt) * elapsed / NO_LOAD_RISE_NANOS;
    }
    lastSampleNanos = now;
    noLoadView = (long) noLoadRtt;
    shortView = (long) shortRtt;
    double gradient = Math.max(0.5, Math.min(1.0, TOLERANCE * noLoadRtt / shortRtt));
    if (gradient >= 1.0 && inFlight < estimate / 2) {
      return;
    }
    double queue = Math.max(1, Math.min(MAX_QUEUE, estimate / 4));
    double next = estimate * gradient + queue;
    next = estimate * (1 - SMOOTHING) + next * SMOOTHING;
    estimate = Math.max(min, Math.min(max, next));
    limit = (int) estimate;
  }

  /**
   * Sets the limit to what the server said it can take ({@code Sluice-Capacity}), within the
   * bounds; learning goes on from there.
   */
  public void set(int capacity) {
    while (!BUSY.compareAndSet(this, 0, 1)) {
      Thread.onSpinWait();
    }
    try {
      estimate = Math.max(min, Math.min(max, capacity));
      limit = (int) estimate;
    } finally {
      busy = 0;
    }
  }

  /** The limit in force now. */
  public int limit() {
    return limit;
  }

  public int min() {
    return min;
  }

  public int max() {
    return max;
  }

  @Override
  public String toString() {
    return String.format(
        java.util.Locale.ROOT,
        "limit %d (%d..%d), no-load rtt %.1f ms, short rtt %.1f ms",
        limit,
        min,
        max,
        noLoadRtt / 1e6,
        shortRtt / 1e6);
  }

  /** The learned no-load round trip in nanoseconds, 0 before any sample. */
  public long noLoadRttNanos() {
    return noLoadView;
  }

  /** The short-term (recent) round trip in nanoseconds, 0 before any sample. */
  public long shortRttNanos() {
    return shortView;
  }
}
