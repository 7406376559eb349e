package io.sluice.pool;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * Caps retries at a share of recent first attempts, so that when servers fail en masse retries
 * cannot multiply the load on what is left (Finagle's and Envoy's retry budgets): a retry is
 * allowed while the retries of the last ten seconds stay below {@code ratio} times the requests of
 * the same ten seconds, or below a small floor so a quiet pool can still retry.
 *
 * <p>Threads: every event loop records and asks. Counts live in ten one-second buckets; a bucket is
 * reset by the first writer of a new second (a lost count at the turn of a second is the accepted
 * imprecision of doing this without a lock).
 */
public final class RetryBudget {
  private static final int BUCKETS = 10;
  private static final long BUCKET_NANOS = TimeUnit.SECONDS.toNanos(1);

  /** Written by the control thread on a reload, read by every event loop. */
  private volatile double ratio;

  private volatile int minPerSecond;
  private final LongSupplier nanoClock;
  private final AtomicLongArray epochs = new AtomicLongArray(BUCKETS);
  private final AtomicLongArray requests = new AtomicLongArray(BUCKETS);
  private final AtomicLongArray retries = new AtomicLongArray(BUCKETS);
  private final LongAdder granted = new LongAdder();

  /**
   * @param ratio retries allowed per request, e.g. 0.2
   * @param minPerSecond retries always allowed per second, whatever the traffic
   */
  public RetryBudget(double ratio, int minPerSecond, LongSupplier nanoClock) {
    this.ratio = ratio;
    this.minPerSecond = minPerSecond;
    this.nanoClock = nanoClock;
  }

  public RetryBudget(double ratio, int minPerSecond) {
    this(ratio, minPerSecond, System::nanoTime);
  }

  /** New limits from a reload; the counts of the last ten seconds are kept. */
  public void limits(double ratio, int minPerSecond) {
    this.ratio = ratio;
    this.minPerSecond = minPerSecond;
  }

  /** Counts a first attempt. */
  public void recordRequest() {
    requests.incrementAndGet(bucket());
  }

  /** Takes a retry from the budget if one is left. */
  public boolean tryRetry() {
    int bucket = bucket();
    if (retriesLeft() <= 0) {
      return false;
    }
    retries.incrementAndGet(bucket);
    granted.increment();
    return true;
  }

  /** Retries granted since start. */
  public long granted() {
    return granted.sum();
  }

  /** Retries the budget still allows over the current window. */
  public long retriesLeft() {
    long now = currentSecond();
    long windowRequests = 0;
    long windowRetries = 0;
    for (int i = 0; i < BUCKETS; i++) {
      if (now - epochs.get(i) < BUCKETS) {
        windowRequests += requests.get(i);
        windowRetries += retries.get(i);
      }
    }
    long allowed = Math.max((long) minPerSecond * BUCKETS, (long) (ratio * windowRequests));
    return allowed - windowRetries;
  }

  public double ratio() {
    return ratio;
  }

  private long currentSecond() {
    return Math.floorDiv(nanoClock.getAsLong(), BUCKET_NANOS);
  }

  private int bucket() {
    long second = currentSecond();
    int index = Math.floorMod(second, BUCKETS);
    long epoch = epochs.get(index);
    if (epoch != second && epochs.compareAndSet(index, epoch, second)) {
      requests.set(index, 0);
      retries.set(index, 0);
    }
    return index;
  }
}
