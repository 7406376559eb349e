package io.sluice.admission;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * A count of open connections against a maximum. The caller that sees {@link #admit()} reach the
 * limit stops accepting; the caller whose {@link #release()} leaves the limit resumes.
 *
 * <p>Threads: any event loop; the count is one atomic.
 */
public final class ConnectionLimit {
  /** Written by the control thread on a reload; read by event loops. */
  private volatile int max;

  private final AtomicInteger open = new AtomicInteger();

  public ConnectionLimit(int max) {
    this.max = max;
  }

  /**
   * Counts one more connection.
   *
   * @return {@code true} when the limit is now reached and accepting should pause
   */
  public boolean admit() {
    return open.incrementAndGet() >= max;
  }

  /**
   * Counts one connection fewer.
   *
   * @return {@code true} when this release brought the count back under the limit
   */
  public boolean release() {
    return open.getAndDecrement() == max;
  }

  public int open() {
    return open.get();
  }

  /** A reload's new limit; a lower one pauses accepting at the next admission check. */
  public void max(int max) {
    this.max = max;
  }

  public int max() {
    return max;
  }
}
