package io.sluice.admission;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * A rate limit on new connections, shared by every event loop of a listener: tokens refill at
 * {@code ratePerSecond} up to {@code burst}; each accepted connection takes one.
 *
 * <p>Accepting never fails here: a connection that was already accepted when the bucket ran dry
 * takes its token anyway and leaves the balance negative, so concurrent accepts on several event
 * loops delay the following ones instead of being refused. The caller pauses accepting while {@link
 * #nanosUntilAvailable()} is positive: the excess waits in the kernel's backlog.
 *
 * <p>Threads: any; the state is one atomic, the theoretical arrival time of the generic cell rate
 * algorithm (GCRA): each take moves it one interval later, and a take conforms while it is no more
 * than {@code burst - 1} intervals ahead of now. A take is one compare-and-set.
 */
public final class TokenBucket implements AcceptRate {
  private final long nanosPerToken;
  private final long toleranceNanos;
  private final LongSupplier nanoClock;
  private final AtomicLong theoreticalArrival;

  public TokenBucket(double ratePerSecond, int burst, LongSupplier nanoClock) {
    this.nanosPerToken = (long) (1_000_000_000L / ratePerSecond);
    this.toleranceNanos = nanosPerToken * (Math.max(1, burst) - 1L);
    this.nanoClock = nanoClock;
    this.theoreticalArrival = new AtomicLong(nanoClock.getAsLong());
  }

  public TokenBucket(double ratePerSecond, int burst) {
    this(ratePerSecond, burst, System::nanoTime);
  }

  /** The steady rate, tokens per second. */
  @Override
  public double perSecond() {
    return 1e9 / nanosPerToken;
  }

  /** Takes one token, going into debt if none is left. */
  @Override
  public void take() {
    long now = nanoClock.getAsLong();
    while (true) {
      long current = theoreticalArrival.get();
      long next = Math.max(current, now) + nanosPerToken;
      if (theoreticalArrival.compareAndSet(current, next)) {
        return;
      }
    }
  }

  /**
   * Takes one token if one is available now, without going into debt: for limits that drop what
   * exceeds them (datagrams) rather than delay it.
   *
   * @return whether a token was taken
   */
  public boolean tryTake() {
    long now = nanoClock.getAsLong();
    while (true) {
      long current = theoreticalArrival.get();
      if (current - now > toleranceNanos) {
        return false;
      }
      if (theoreticalArrival.compareAndSet(current, Math.max(current, now) + nanosPerToken)) {
        return true;
      }
    }
  }

  /** How long until a token is available; zero or less when one is. */
  @Override
  public long nanosUntilAvailable() {
    return theoreticalArrival.get() - nanoClock.getAsLong() - toleranceNanos;
  }
}
