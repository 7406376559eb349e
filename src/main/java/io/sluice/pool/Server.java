package io.sluice.pool;

import java.util.concurrent.atomic.LongAdder;

/**
 * One server of a pool and its live counters.
 *
 * <p>Threads: every event loop reads and writes {@code active} through {@link #tryTake()} and
 * {@link #release()} (compare-and-set on a counter padded to its own cache lines, so the limit is
 * never exceeded and servers' counters never share a line); {@code state} is written by the control
 * and health threads and read by event loops; {@code weight} likewise.
 */
public final class Server {
  private final String name;
  private final Object address;
  private final int maxConnections;
  private final boolean sendProxy;
  private final boolean sendProxyV2;
  private final PaddedCounter active = new PaddedCounter();
  private final LongAdder total = new LongAdder();
  private volatile int weight;
  private volatile ServerState state = ServerState.UP;

  /**
   * @param name how logs and metrics show the server (its configured address)
   * @param address the resolved socket address, opaque to this package
   * @param maxConnections the hard limit, 0 for none
   */
  public Server(
      String name,
      Object address,
      int weight,
      int maxConnections,
      boolean sendProxy,
      boolean sendProxyV2) {
    this.name = name;
    this.address = address;
    this.weight = weight;
    this.maxConnections = maxConnections;
    this.sendProxy = sendProxy;
    this.sendProxyV2 = sendProxyV2;
  }

  /** Takes one connection slot if the server is up and below its limit. */
  public boolean tryTake() {
    if (state != ServerState.UP) {
      return false;
    }
    while (true) {
      int now = active.get();
      if (maxConnections > 0 && now >= maxConnections) {
        return false;
      }
      if (active.compareAndSet(now, now + 1)) {
        total.increment();
        return true;
      }
    }
  }

  /** Gives back a slot taken with {@link #tryTake()}. */
  public void release() {
    active.decrementAndGet();
  }

  /** Whether {@link #tryTake()} would succeed now (a hint: another loop may take it first). */
  public boolean hasRoom() {
    return state == ServerState.UP && (maxConnections == 0 || active.get() < maxConnections);
  }

  public String name() {
    return name;
  }

  public Object address() {
    return address;
  }

  public int weight() {
    return weight;
  }

  public void weight(int weight) {
    this.weight = weight;
  }

  public ServerState state() {
    return state;
  }

  public void state(ServerState state) {
    this.state = state;
  }

  public int active() {
    return active.get();
  }

  public long totalConnections() {
    return total.sum();
  }

  public int maxConnections() {
    return maxConnections;
  }

  public boolean sendProxy() {
    return sendProxy;
  }

  public boolean sendProxyV2() {
    return sendProxyV2;
  }

  @Override
  public String toString() {
    return name;
  }
}
