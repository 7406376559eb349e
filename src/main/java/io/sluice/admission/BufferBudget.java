package io.sluice.admission;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * A count of buffers in use against a process-wide total, with a reserve that only replies may
 * take: new work is refused once just the reserve is left, so a flood of new datagrams cannot
 * starve the replies of flows already in progress.
 *
 * <p>Threads: any; one atomic counter. Takers and givers may be different threads (a buffer taken
 * on a read is given back when its write completes).
 */
public final class BufferBudget {
  private final int total;
  private final int reserve;
  private final AtomicInteger inUse = new AtomicInteger();

  /**
   * @param total buffers in all, at least 1
   * @param reserve of those, how many only replies may take; less than {@code total}
   */
  public BufferBudget(int total, int reserve) {
    if (total < 1 || reserve < 0 || reserve >= total) {
      throw new IllegalArgumentException("total " + total + ", reserve " + reserve);
    }
    this.total = total;
    this.reserve = reserve;
  }

  /**
   * Takes one buffer if the budget allows it.
   *
   * @param reply whether the buffer carries a reply, which may use the reserve
   * @return whether it was taken; if so, {@link #give()} it back once done
   */
  public boolean tryTake(boolean reply) {
    int limit = reply ? total : total - reserve;
    while (true) {
      int now = inUse.get();
      if (now >= limit) {
        return false;
      }
      if (inUse.compareAndSet(now, now + 1)) {
        return true;
      }
    }
  }

  /** Gives back a buffer taken with {@link #tryTake}. */
  public void give() {
    inUse.decrementAndGet();
  }

  public int inUse() {
    return inUse.get();
  }

  public int total() {
    return total;
  }

  public int reserve() {
    return reserve;
  }
}
