package io.sluice.net;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.EventExecutorChooserFactory;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * Open client connections per event loop, and the chooser that places each newly accepted
 * connection on the loop with the fewest (for listeners without SO_REUSEPORT). The kernel's
 * SO_REUSEPORT hash spreads unevenly below about a hundred connections per loop; counting does not.
 *
 * <p>Threads: the acceptor's loop increments through {@link #chooser}; each connection's own loop
 * decrements when it closes; anyone reads.
 */
public final class LoopLoad implements EventExecutorChooserFactory {
  private volatile EventExecutor[] loops = new EventExecutor[0];
  private volatile AtomicIntegerArray open = new AtomicIntegerArray(0);

  @Override
  public EventExecutorChooser newChooser(EventExecutor[] executors) {
    this.loops = executors.clone();
    this.open = new AtomicIntegerArray(executors.length);
    return this::leastLoaded;
  }

  /** Places one connection on the loop with the fewest, counting it there. */
  private EventExecutor leastLoaded() {
    EventExecutor[] all = loops;
    AtomicIntegerArray counts = open;
    int size = all.length;
    int start = size <= 1 ? 0 : ThreadLocalRandom.current().nextInt(size);
    int best = start;
    for (int n = 1; n < size; n++) {
      int i = (start + n) % size;
      if (counts.get(i) < counts.get(best)) {
        best = i;
      }
    }
    counts.incrementAndGet(best);
    return all[best];
  }

  /** Counts a connection that stays on the loop that accepted it (SO_REUSEPORT listeners). */
  public void add(EventLoop loop) {
    int i = indexOf(loop);
    if (i >= 0) {
      open.incrementAndGet(i);
    }
  }

  /** Counts a connection of {@code loop} closed. */
  public void remove(EventLoop loop) {
    int i = indexOf(loop);
    if (i >= 0) {
      open.decrementAndGet(i);
    }
  }

  /** Open connections on each loop, in loop order. */
  public int[] snapshot() {
    AtomicIntegerArray counts = open;
    int[] result = new int[counts.length()];
    for (int i = 0; i < result.length; i++) {
      result[i] = counts.get(i);
    }
    return result;
  }

  private int indexOf(EventLoop loop) {
    EventExecutor[] all = loops;
    for (int i = 0; i < all.length; i++) {
      if (all[i] == loop) {
        return i;
      }
    }
    return -1;
  }
}
