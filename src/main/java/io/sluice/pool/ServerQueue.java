package io.sluice.pool;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The bounded queue of connections waiting for a server slot in one pool: first come, first served,
 * as HAProxy's per-backend queue ({@code src/queue.c}).
 *
 * <p>Threads: any event loop adds, removes and polls. The queue is lock-free; {@code length} is the
 * bound's only shared counter. A waiter that leaves (timeout) removes itself; one found dead while
 * polling is skipped.
 */
public final class ServerQueue {
  /** Written by the control thread on a reload; a smaller bound turns newcomers away. */
  private volatile int max;

  private final ConcurrentLinkedQueue<Waiter> waiters = new ConcurrentLinkedQueue<>();
  private final AtomicInteger length = new AtomicInteger();

  /**
   * @param max waiters at once; 0 disables queueing
   */
  public ServerQueue(int max) {
    this.max = max;
  }

  /** Adds {@code waiter} at the tail unless the queue is full. */
  boolean add(Waiter waiter) {
    while (true) {
      int now = length.get();
      if (now >= max) {
        return false;
      }
      if (length.compareAndSet(now, now + 1)) {
        waiters.add(waiter);
        return true;
      }
    }
  }

  /**
   * Offers a slot on {@code server} to waiters from the head until one takes it.
   *
   * @return whether a waiter took it
   */
  boolean handOver(Server server) {
    Waiter waiter;
    while ((waiter = waiters.poll()) != null) {
      length.decrementAndGet();
      if (waiter.offer(server)) {
        return true;
      }
    }
    return false;
  }

  /** Takes a waiter out that stops waiting (timeout, client gone); no-op if already offered. */
  public void remove(Waiter waiter) {
    if (waiters.remove(waiter)) {
      length.decrementAndGet();
    }
  }

  /** Waiters now. */
  public int length() {
    return length.get();
  }

  void max(int max) {
    this.max = max;
  }

  public int max() {
    return max;
  }

  boolean isEmpty() {
    return length.get() == 0;
  }
}
