package io.sluice.admission;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * The pipes splicing may hold across the process, against {@code max_pipes}. Each pipe holds two
 * descriptors and up to a pipe's capacity of kernel memory; a spliced connection holds one per
 * direction until it ends. When the budget is spent, connections relay by copying instead: a
 * connection never waits for a pipe.
 *
 * <p>Threads: any event loop; one atomic counter. The maximum is fixed at start.
 */
public final class PipeBudget {
  private final int max;
  private final AtomicInteger inUse = new AtomicInteger();

  /**
   * @param max pipes at most, 0 or more; 0 turns splicing off
   */
  public PipeBudget(int max) {
    if (max < 0) {
      throw new IllegalArgumentException("max " + max);
    }
    this.max = max;
  }

  /**
   * Takes {@code pipes} pipes if that many are left.
   *
   * @return whether they were taken; if so, {@link #give} them back once closed
   */
  public boolean tryTake(int pipes) {
    while (true) {
      int now = inUse.get();
      if (now + pipes > max) {
        return false;
      }
      if (inUse.compareAndSet(now, now + pipes)) {
        return true;
      }
    }
  }

  /** Gives back pipes taken with {@link #tryTake}. */
  public void give(int pipes) {
    inUse.addAndGet(-pipes);
  }

  public int inUse() {
    return inUse.get();
  }

  public int max() {
    return max;
  }
}
