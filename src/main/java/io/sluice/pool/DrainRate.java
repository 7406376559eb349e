package io.sluice.pool;

import java.util.concurrent.atomic.AtomicLong;

/**
 * How fast a pool's servers give slots back: an exponentially weighted average of releases per
 * second over windows of {@value #WINDOW_MILLIS} ms, from which the wait of a newcomer in the queue
 * is estimated.
 *
 * <p>Only windows in which someone waited in the queue count: then every server was at its limit
 * and the rate is what the servers can do, not what clients happened to ask for (a pool serving ten
 * requests a second would otherwise look unable to serve more). One in which nothing was released
 * while requests waited counts as a rate of zero, which is what stalled servers have.
 *
 * <p>Threads: any event loop counts releases and reads the rate; whichever thread first sees a
 * window over folds it in (compare-and-set on the window's start, so once). Nothing allocates.
 */
public final class DrainRate {
  static final long WINDOW_MILLIS = 100;
  private static final long WINDOW_NANOS = WINDOW_MILLIS * 1_000_000;

  /** Weight of a new window: about the last second counts. */
  private static final double WEIGHT = 0.2;

  private final AtomicLong releases = new AtomicLong();
  private final AtomicLong windowStart = new AtomicLong(System.nanoTime());

  /** Releases per second; 0 until a window was measured. */
  private volatile double perSecond;

  private volatile boolean measured;

  /** Whether anyone waited during the current window. */
  private volatile boolean sawWaiting;

  /** One slot given back (to the server or straight to a waiter). */
  void released(long now, boolean waiting) {
    releases.incrementAndGet();
    roll(now, waiting);
  }

  /** Folds the window in if it is over; {@code waiting}: whether the queue holds anyone now. */
  void roll(long now, boolean waiting) {
    if (waiting && !sawWaiting) {
      sawWaiting = true;
    }
    long start = windowStart.get();
    long elapsed = now - start;
    if (elapsed < WINDOW_NANOS || !windowStart.compareAndSet(start, now)) {
      return;
    }
    long count = releases.getAndSet(0);
    boolean saturated = sawWaiting;
    sawWaiting = waiting;
    if (!saturated || (!measured && count == 0)) {
      // Until a slot was seen coming back, nothing is known: a server holding long connections is
      // not a stalled one.
      return;
    }
    // After a long quiet spell only the last window's worth of time says anything about the rate.
    double seconds = Math.min(elapsed, 10 * WINDOW_NANOS) / 1e9;
    double rate = count / seconds;
    perSecond = measured ? perSecond + (rate - perSecond) * WEIGHT : rate;
    measured = true;
  }

  /** Releases per second, or -1 before anything was measured. */
  public double perSecond() {
    return measured ? perSecond : -1;
  }

  /**
   * How long the one at {@code position} in the queue (1: the next served) would wait, in
   * nanoseconds; -1 when nothing was measured yet, {@link Long#MAX_VALUE} when nothing drains.
   */
  public long waitNanos(int position) {
    if (!measured) {
      return -1;
    }
    double rate = perSecond;
    if (rate <= 1e-3) {
      return Long.MAX_VALUE;
    }
    return (long) Math.min(Long.MAX_VALUE / 2.0, position / rate * 1e9);
  }
}
