package io.sluice.admission;

import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * The process-wide budget of buffer memory, in bytes, against what is in use now. New work (a
 * connection, a request) is admitted only while the memory in use is below {@code budget -
 * reserve}; the reserve is headroom for what was already admitted to finish, for Sluice's own
 * answers and for health checks, so that a flood of clients that never read ends in refusals and
 * never in an {@link OutOfMemoryError}.
 *
 * <p>The measure is whatever {@code used} says, read at each decision: it must be cheap and
 * lock-free (a counter read, no system call), since it runs at every accept and request.
 *
 * <p>Threads: any; the measure is the allocator's own counters, the refusal count a {@link
 * LongAdder}.
 */
public final class BufferMemory {
  private final long budget;
  private final long reserve;
  private final LongSupplier used;
  private final LongAdder refusals = new LongAdder();

  /**
   * @param budget bytes of buffer memory in all, more than {@code reserve}
   * @param reserve of those, the bytes new work may not take
   * @param used the bytes in use now
   */
  public BufferMemory(long budget, long reserve, LongSupplier used) {
    if (budget <= 0 || reserve < 0 || reserve >= budget) {
      throw new IllegalArgumentException("budget " + budget + ", reserve " + reserve);
    }
    this.budget = budget;
    this.reserve = reserve;
    this.used = used;
  }

  /** Whether new work may start now. */
  public boolean admitsNewWork() {
    return used.getAsLong() < budget - reserve;
  }

  /**
   * Whether only the reserve is left: relays then hold at most one read in flight each, so what is
   * admitted stops growing.
   */
  public boolean spent() {
    return !admitsNewWork();
  }

  /** Counts one piece of work refused for want of memory. */
  public void refused() {
    refusals.increment();
  }

  /** Work refused for want of memory since start. */
  public long refusals() {
    return refusals.sum();
  }

  public long used() {
    return used.getAsLong();
  }

  public long budget() {
    return budget;
  }

  public long reserve() {
    return reserve;
  }
}
