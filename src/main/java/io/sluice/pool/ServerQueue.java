package io.sluice.pool;

import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The bounded queue of connections waiting for a server slot in one pool: first come, first served,
 * as HAProxy's per-backend queue ({@code src/queue.c}), with CoDel's sojourn rule on top.
 *
 * <p>CoDel (RFC 8289): a queue that has not been empty for {@code interval} is a standing queue,
 * not a burst being absorbed; while it stands, newcomers may wait only {@code target} (see {@link
 * #timeoutNanos}), so it drains instead of adding its full timeout to everyone's latency. With
 * {@code lifo} the newest waiter is served first while it stands: it is the one whose client is
 * most likely still there.
 *
 * <p>Threads: any event loop adds, removes and polls. The queue is lock-free; {@code length} is the
 * bound's only shared counter; {@code nonEmptySince} is written by whichever thread moves the
 * length off or to zero (a race between two costs the precision of one interval). A waiter that
 * leaves (timeout) removes itself; one found dead while polling is skipped.
 */
public final class ServerQueue {
  /**
   * These five are written by the control thread on a reload; a smaller bound turns newcomers away.
   */
  private volatile int max;

  private volatile long timeoutNanos;
  private volatile long targetNanos;
  private volatile long intervalNanos;
  private volatile boolean lifo;
  private final ConcurrentLinkedDeque<Waiter> waiters = new ConcurrentLinkedDeque<>();
  private final AtomicInteger length = new AtomicInteger();

  /** When the queue last stopped being empty; 0 while it is empty. */
  private volatile long nonEmptySince;

  /**
   * @param max waiters at once; 0 disables queueing
   */
  public ServerQueue(int max) {
    this(max, Long.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE, false);
  }

  /**
   * @param max waiters at once; 0 disables queueing
   * @param timeoutNanos how long a waiter may wait in a queue that does not stand
   * @param targetNanos how long one may wait while it stands
   * @param intervalNanos how long the queue must stay non-empty to stand
   * @param lifo serve the newest first while it stands
   */
  public ServerQueue(
      int max, long timeoutNanos, long targetNanos, long intervalNanos, boolean lifo) {
    configure(max, timeoutNanos, targetNanos, intervalNanos, lifo);
  }

  /** A reload's settings, for waiters that join from now on; see the constructor. */
  void configure(int max, long timeoutNanos, long targetNanos, long intervalNanos, boolean lifo) {
    this.max = max;
    this.timeoutNanos = timeoutNanos;
    this.targetNanos = Math.min(targetNanos, timeoutNanos);
    this.intervalNanos = intervalNanos;
    this.lifo = lifo;
  }

  /** Adds {@code waiter} at the tail unless the queue is full. */
  boolean add(Waiter waiter) {
    while (true) {
      int now = length.get();
      if (now >= max) {
        return false;
      }
      if (length.compareAndSet(now, now + 1)) {
        if (now == 0) {
          nonEmptySince = Math.max(1, System.nanoTime());
        }
        waiters.add(waiter);
        return true;
      }
    }
  }

  /**
   * Offers a slot on {@code server} to waiters from the head (the tail, when standing and lifo)
   * until one takes it.
   *
   * @return whether a waiter took it
   */
  boolean handOver(Server server) {
    Waiter waiter;
    while ((waiter = next()) != null) {
      left();
      if (waiter.offer(server)) {
        return true;
      }
    }
    return false;
  }

  private Waiter next() {
    return lifo && standing(System.nanoTime()) ? waiters.pollLast() : waiters.pollFirst();
  }

  private void left() {
    if (length.decrementAndGet() == 0) {
      nonEmptySince = 0;
    }
  }

  /** Takes a waiter out that stops waiting (timeout, client gone); no-op if already offered. */
  public void remove(Waiter waiter) {
    if (waiters.removeFirstOccurrence(waiter)) {
      left();
    }
  }

  /** Whether the queue has stood non-empty for the whole interval by {@code now}. */
  public boolean standing(long now) {
    long since = nonEmptySince;
    return since != 0 && now - since >= intervalNanos;
  }

  /**
   * How long a waiter joining now may wait: the target while the queue stands, else the timeout.
   */
  public long timeoutNanos() {
    return standing(System.nanoTime()) ? targetNanos : timeoutNanos;
  }

  /** Waiters now. */
  public int length() {
    return length.get();
  }

  public int max() {
    return max;
  }

  boolean isEmpty() {
    return length.get() == 0;
  }
}
