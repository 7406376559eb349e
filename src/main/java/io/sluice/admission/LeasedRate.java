package io.sluice.admission;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * A fleet-wide accept rate as one instance spends it: tokens leased in batches from a store the
 * fleet shares are spent here, one per accepted connection, with no call to the store on the accept
 * path. When the store cannot be reached the instance spends a local share of the limit instead (a
 * {@link TokenBucket} at the fleet's rate divided by the instances last seen alive).
 *
 * <p>Threads: event loops call {@link #take} and {@link #nanosUntilAvailable}; one fleet thread
 * deposits and withdraws leased tokens and switches between leases and the local share. {@code
 * balance} is an atomic that both sides update (it goes negative when several loops accept at once
 * as the last token goes; the next deposit pays the debt); {@code localShare} is a volatile
 * reference written by the fleet thread only; {@code taken} is a counter event loops add to.
 */
public final class LeasedRate implements AcceptRate {
  /**
   * While no leased token is left the gate asks again after this long: a paused listener costs a
   * timer a millisecond, and a deposit is noticed within one.
   */
  private static final long EMPTY_RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

  private final double fleetPerSecond;
  private final AtomicLong balance = new AtomicLong();
  private final LongAdder taken = new LongAdder();
  private volatile TokenBucket localShare;

  /**
   * Starts on a local share of {@code localPerSecond} until the first lease arrives, so that an
   * instance that never reaches the store still serves.
   */
  public LeasedRate(double fleetPerSecond, double localPerSecond, int localBurst) {
    this.fleetPerSecond = fleetPerSecond;
    this.localShare = new TokenBucket(localPerSecond, localBurst);
  }

  @Override
  public void take() {
    taken.increment();
    TokenBucket local = localShare;
    if (local != null) {
      local.take();
    } else {
      balance.decrementAndGet();
    }
  }

  @Override
  public long nanosUntilAvailable() {
    TokenBucket local = localShare;
    if (local != null) {
      return local.nanosUntilAvailable();
    }
    return balance.get() > 0 ? 0 : EMPTY_RETRY_NANOS;
  }

  /** The fleet's limit. */
  @Override
  public double perSecond() {
    return fleetPerSecond;
  }

  /** Connections taken since start, leased or local: the demand the next lease is sized by. */
  public long taken() {
    return taken.sum();
  }

  /** Leased tokens not spent yet; negative while a debt is outstanding. */
  public long balance() {
    return balance.get();
  }

  /** Adds tokens granted by the store. */
  public void deposit(long tokens) {
    balance.addAndGet(tokens);
  }

  /**
   * Takes back the tokens above {@code keep} so they can be returned to the store.
   *
   * @return how many were taken back, 0 when the balance is not above {@code keep}
   */
  public long withdrawAbove(long keep) {
    while (true) {
      long current = balance.get();
      if (current <= keep) {
        return 0;
      }
      if (balance.compareAndSet(current, keep)) {
        return current - keep;
      }
    }
  }

  /** Spends leased tokens from now on, starting from none: the next deposit opens the gate. */
  public void useLeases() {
    balance.set(0);
    localShare = null;
  }

  /** Spends a local share from now on; tokens still held are forgotten (they are not returned). */
  public void useLocalShare(double perSecond, int burst) {
    localShare = new TokenBucket(perSecond, burst);
    balance.set(0);
  }

  /** Whether tokens come from leases now (false: the local share). */
  public boolean leased() {
    return localShare == null;
  }

  /** The local share's rate while it is in use, else 0. */
  public double localSharePerSecond() {
    TokenBucket local = localShare;
    return local == null ? 0 : local.perSecond();
  }
}
