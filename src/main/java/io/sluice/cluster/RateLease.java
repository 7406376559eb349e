package io.sluice.cluster;

import io.sluice.admission.LeasedRate;
import java.util.List;

/**
 * Keeps one listener's {@link LeasedRate} supplied from the fleet's token bucket in Redis.
 *
 * <p>Each renewal sizes the holding by recent demand: twice the connections taken in the last
 * interval, at least a small batch so a quiet instance can accept its next connections at once, and
 * asks for the rest of it, or returns what it holds above twice that. An instance that ran dry asks
 * for an interval and a half of the whole fleet rate: Redis grants only what the bucket holds, so
 * the fleet's total never passes the limit, and instances that renew in turn split what accrues by
 * their demand. Renewals are jittered so no instance is always first.
 *
 * <p>Threads: the fleet thread only; the rate itself is spent by event loops.
 */
final class RateLease {
  /** An unused bucket disappears after a minute; a new one starts full, as a refilled one would. */
  private static final String BUCKET_EXPIRY_MILLIS = "60000";

  private final String listener;
  private final String key;
  private final LeasedRate rate;
  private final int fleetBurst;
  private final long intervalMillis;
  private final long capacity;
  private final long minBatch;
  private final long dryWant;
  private long lastTaken;

  RateLease(String listener, String key, LeasedRate rate, int fleetBurst, long intervalMillis) {
    this.listener = listener;
    this.key = key;
    this.rate = rate;
    this.fleetBurst = fleetBurst;
    this.intervalMillis = intervalMillis;
    double perInterval = rate.perSecond() * intervalMillis / 1000.0;
    // Two intervals of the rate: renewals come at most 1.2 intervals apart (jitter), so tokens
    // accrued between two of them are not lost to the cap while any instance wants them, even
    // with a renewal late on a busy machine, and the fleet's burst after a quiet spell stays small;
    // a larger configured burst is kept.
    this.capacity = Math.max(fleetBurst, (long) Math.ceil(perInterval * 2));
    this.minBatch = Math.max(1, (long) Math.ceil(perInterval / 4));
    this.dryWant = Math.max(1, (long) Math.ceil(perInterval * 1.5));
  }

  /** One renewal: returns the excess and asks for what recent demand needs. */
  void renew(RedisLink redis) {
    long taken = rate.taken();
    long used = Math.max(0, taken - lastTaken);
    lastTaken = taken;
    long target = Math.max(minBatch, 2 * used);
    long back = rate.withdrawAbove(2 * target);
    long balance = rate.balance();
    long want;
    if (balance <= 0) {
      want = Math.max(target - balance, dryWant);
    } else {
      want = Math.max(0, target - balance);
    }
    if (want == 0 && back == 0) {
      return;
    }
    // A failed call loses the returned tokens with it: the fleet then admits less, never more.
    long granted =
        Fleet.number(
            redis.eval(
                Scripts.RATE_LEASE,
                List.of(key),
                List.of(
                    Double.toString(rate.perSecond()),
                    Long.toString(capacity),
                    Long.toString(want),
                    Long.toString(back),
                    BUCKET_EXPIRY_MILLIS)));
    if (granted > 0) {
      rate.deposit(granted);
    }
  }

  /** Spends the local share: the fleet's limit and burst divided among {@code instances}. */
  void useLocalShare(int instances) {
    int n = Math.max(1, instances);
    rate.useLocalShare(rate.perSecond() / n, Math.max(1, fleetBurst / n));
    lastTaken = rate.taken();
  }

  void useLeases() {
    rate.useLeases();
    lastTaken = rate.taken();
  }

  String listener() {
    return listener;
  }

  LeasedRate rate() {
    return rate;
  }
}
