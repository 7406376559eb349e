package io.sluice.pool;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Durations counted into fixed buckets, as a Prometheus classic histogram shows them: recording one
 * is two atomic adds (its bucket and the sum), with no allocation and no lock, from any thread.
 *
 * <p>Threads: any thread records; a reader (the admin thread) copies the counts, each exact but not
 * read at the same instant. The count is the buckets' total, so it always equals the last bucket's
 * cumulative figure; the sum may run ahead or behind by the observations in flight.
 *
 * <p>One {@link AtomicLongArray} rather than a {@code LongAdder} per bucket: an adder's cells,
 * created under contention, are padded to 128 bytes each, one per contending core, for every bucket
 * of every histogram of every server. Here a histogram is one array of 18 longs; two event loops
 * collide only when they record the same server's same bucket at the same moment, and then one
 * atomic add waits a few cycles for the cache line, never for a lock.
 */
public final class DurationHistogram {
  /**
   * For a proxy: 100 µs (a slot taken at once, a connect on loopback) to 10 s (a server that hangs
   * until its timeout), about three buckets per decade; beyond 10 s only the count and sum tell.
   */
  private static final double[] PROXY_BOUNDS_SECONDS = {
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10
  };

  private final double[] boundsSeconds;
  private final long[] boundsNanos;

  /** One count per bound, one for above the last bound, then the sum in nanoseconds. */
  private final AtomicLongArray cells;

  private final int sumIndex;

  /**
   * @param boundsSeconds the buckets' upper bounds (inclusive), ascending
   */
  public DurationHistogram(double[] boundsSeconds) {
    for (int i = 1; i < boundsSeconds.length; i++) {
      if (!(boundsSeconds[i] > boundsSeconds[i - 1])) {
        throw new IllegalArgumentException("bucket bounds must ascend");
      }
    }
    this.boundsSeconds = boundsSeconds.clone();
    this.boundsNanos = new long[boundsSeconds.length];
    for (int i = 0; i < boundsSeconds.length; i++) {
      boundsNanos[i] = Math.round(boundsSeconds[i] * 1e9);
    }
    this.sumIndex = boundsSeconds.length + 1;
    this.cells = new AtomicLongArray(sumIndex + 1);
  }

  /** A histogram with the buckets chosen for a proxy's waits and transfers, 100 µs to 10 s. */
  public static DurationHistogram forProxy() {
    return new DurationHistogram(PROXY_BOUNDS_SECONDS);
  }

  /** Counts one duration; a negative one (a clock read out of order) counts as zero. */
  public void record(long nanos) {
    long duration = Math.max(0, nanos);
    cells.getAndIncrement(bucketOf(duration));
    cells.getAndAdd(sumIndex, duration);
  }

  private int bucketOf(long nanos) {
    long[] bounds = boundsNanos;
    for (int i = 0; i < bounds.length; i++) {
      if (nanos <= bounds[i]) {
        return i;
      }
    }
    return bounds.length;
  }

  /** The buckets' upper bounds in seconds, ascending; the last bucket has none. */
  public double[] boundsSeconds() {
    return boundsSeconds.clone();
  }

  /**
   * The count of each bucket (not cumulative): one per bound, then the count above the last bound.
   */
  public long[] counts() {
    long[] counts = new long[sumIndex];
    for (int i = 0; i < counts.length; i++) {
      counts[i] = cells.get(i);
    }
    return counts;
  }

  /** Durations recorded. */
  public long count() {
    long count = 0;
    for (int i = 0; i < sumIndex; i++) {
      count += cells.get(i);
    }
    return count;
  }

  /** The total of the durations recorded, in nanoseconds. */
  public long sumNanos() {
    return cells.get(sumIndex);
  }
}
