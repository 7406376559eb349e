package io.sluice.pool;

import java.util.concurrent.atomic.LongAdder;

/**
 * One server of a pool and its live counters.
 *
 * <p>Threads: every event loop reads and writes {@code active} through {@link #tryTake()} and
 * {@link #release()} (compare-and-set on a counter padded to its own cache lines, so the limit is
 * never exceeded and servers' counters never share a line); the states are written by the control
 * and health threads and read by event loops, which read only {@code takesConnections}; {@code
 * weight} likewise. In fleet mode the fleet thread writes {@code localLimit} (this instance's lease
 * of a fleet-wide {@code max_connections}) and {@code remoteActive} (the other instances'
 * connections); event loops only read them. The limit in force is the configured one (or the
 * lease), or the {@link AdaptiveLimit}'s when the server has one, capped by what the server last
 * pushed back ({@code cap}: written by the health loop for an agent's {@code maxconn}, by event
 * loops for a capacity header). {@link #stats()} has its own rules.
 */
public final class Server {
  private final String name;
  private final Object address;

  /** These three are written by the control thread on a reload and apply to new connections. */
  private volatile int maxConnections;

  private volatile boolean sendProxy;
  private volatile boolean sendProxyV2;
  private final PaddedCounter active = new PaddedCounter();
  private final LongAdder total = new LongAdder();
  private final ServerStats stats = new ServerStats();
  private volatile int weight;

  /**
   * The limit this instance enforces: {@code maxConnections}, or in fleet mode its lease of the
   * fleet's total (possibly 0, which here means no room, not no limit). Unused when {@code
   * maxConnections} is 0.
   */
  private volatile int localLimit;

  /** Connections other fleet instances hold to this server, as last published. */
  private volatile int remoteActive;

  /** Learns the limit from round trips, or null for the configured one. */
  private volatile AdaptiveLimit adaptive;

  /** What the server said it can take at most, 0 for no word. */
  private volatile int cap;

  /** What the operator said: UP, DRAIN or MAINT. Written by the control thread. */
  private volatile ServerState adminState = ServerState.UP;

  /** What active checks say. Written by the health loop. */
  private volatile boolean healthy = true;

  /** Taken out by passive observation of live traffic. Written by the health loop. */
  private volatile boolean ejected;

  /**
   * Taken out of its pool by a reload: takes no new connection while the open ones finish. Written
   * once by the control thread.
   */
  private volatile boolean leaving;

  /** Whether any server-level state allows new connections: the one field the pick path reads. */
  private volatile boolean takesConnections = true;

  private final java.util.concurrent.atomic.AtomicInteger consecutiveFailures =
      new java.util.concurrent.atomic.AtomicInteger();
  private volatile OutcomeListener outcomeListener;

  /** Ramp-up after coming back: when it ends (0 = not ramping) and how long it lasts. */
  private volatile long rampEndNanos;

  private volatile long slowStartNanos;

  /** The PROXY v2 TLV type carrying a TLS client's certificate, 0 for none. Set at build time. */
  private volatile int proxyV2CertTlv;

  /**
   * Expected latency in nanoseconds: an exponentially weighted average of connect times and check
   * round trips (0 until the first sample). Written by any loop; a lost update between two racing
   * writers costs one sample, which an average can spare.
   */
  private volatile long latencyNanos;

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
    this.localLimit = maxConnections;
    this.sendProxy = sendProxy;
    this.sendProxyV2 = sendProxyV2;
  }

  /**
   * Applies a reload's settings to a server that stays in its pool; its counters, health and open
   * connections are untouched.
   */
  public void reconfigure(int weight, int maxConnections, boolean sendProxy, boolean sendProxyV2) {
    this.weight = weight;
    if (maxConnections != this.maxConnections) {
      // In fleet mode the fleet thread leases this instance's share of the new limit next round.
      this.localLimit = maxConnections;
    }
    this.maxConnections = maxConnections;
    this.sendProxy = sendProxy;
    this.sendProxyV2 = sendProxyV2;
  }

  /** Takes one connection slot if the server is up and below its limit. */
  public boolean tryTake() {
    if (!takesConnections) {
      return false;
    }
    while (true) {
      int now = active.get();
      int limit = enforcedLimit();
      if (limit >= 0 && now >= limit) {
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

  /**
   * Whether the server holds more slots than its limit now allows, counting the one about to be
   * given back: true after the limit dropped, until enough were released.
   */
  public boolean overLimit() {
    int limit = enforcedLimit();
    return limit >= 0 && active.get() > limit;
  }

  /**
   * The limit this instance enforces now, -1 for none: the learned one, or the configured one (in
   * fleet mode this instance's lease, which may be 0: no room), capped by push-back.
   */
  private int enforcedLimit() {
    AdaptiveLimit learned = adaptive;
    int limit = learned != null ? learned.limit() : maxConnections == 0 ? -1 : localLimit;
    int said = cap;
    return said > 0 && (limit < 0 || said < limit) ? said : limit;
  }

  /** Whether {@link #tryTake()} would succeed now (a hint: another loop may take it first). */
  public boolean hasRoom() {
    int limit = enforcedLimit();
    return takesConnections && (limit < 0 || active.get() < limit);
  }

  public String name() {
    return name;
  }

  public Object address() {
    return address;
  }

  /**
   * The weight balancers use: the configured one, scaled down while the server ramps up after
   * coming back (slow start), from a tenth to all of it.
   */
  public int weight() {
    int full = weight;
    long rampEnd = rampEndNanos;
    if (rampEnd == 0) {
      return full;
    }
    long left = rampEnd - System.nanoTime();
    if (left <= 0) {
      rampEndNanos = 0;
      return full;
    }
    double share = Math.max(0.1, 1.0 - (double) left / slowStartNanos);
    return Math.max(1, (int) Math.round(full * share));
  }

  /** The configured weight, without slow start. */
  public int configuredWeight() {
    return weight;
  }

  /** After coming back up, ramp the weight over {@code nanos}; 0 turns slow start off. */
  public void slowStart(long nanos) {
    this.slowStartNanos = nanos;
  }

  /** Sets the custom PROXY v2 TLV type that carries a TLS client's certificate (0: none). */
  public void proxyV2CertTlv(int type) {
    this.proxyV2CertTlv = type;
  }

  public int proxyV2CertTlv() {
    return proxyV2CertTlv;
  }

  /** Folds one latency sample in (connect time or check round trip), damping outliers. */
  public void recordLatency(long nanos) {
    long current = latencyNanos;
    if (current == 0) {
      latencyNanos = Math.max(1, nanos);
      return;
    }
    // A sample far above the average counts as four times it: one stalled connect must not make a
    // good server look unusable, while a lasting rise still moves the average within a few samples.
    long sample = Math.min(nanos, current * 4);
    latencyNanos = Math.max(1, current + (sample - current) / 5);
  }

  /** The expected latency, 0 when nothing was measured yet. */
  public long latencyNanos() {
    return latencyNanos;
  }

  public void weight(int weight) {
    this.weight = weight;
  }

  /**
   * The effective state: the operator's {@code maint} or {@code drain} first, then {@code down}
   * when checks fail or live traffic had it ejected, else {@code up}.
   */
  public ServerState state() {
    if (leaving) {
      return ServerState.DRAIN;
    }
    ServerState admin = adminState;
    if (admin != ServerState.UP) {
      return admin;
    }
    return healthy && !ejected ? ServerState.UP : ServerState.DOWN;
  }

  /** What the operator set: {@code UP}, {@code DRAIN} or {@code MAINT}. */
  public ServerState adminState() {
    return adminState;
  }

  /**
   * Sets the operator's state. {@code DRAIN} and {@code MAINT} stop new connections at once and end
   * none; {@code DOWN} is not an operator's state (checks decide it).
   */
  public void adminState(ServerState state) {
    if (state == ServerState.DOWN) {
      throw new IllegalArgumentException("DOWN is decided by health checks, not set");
    }
    this.adminState = state;
    updateTakesConnections();
  }

  public boolean healthy() {
    return healthy;
  }

  /** Records what active checks concluded. */
  public void healthy(boolean healthy) {
    this.healthy = healthy;
    updateTakesConnections();
  }

  public boolean ejected() {
    return ejected;
  }

  /** Takes the server out of (or back into) rotation after passive observation. */
  public void ejected(boolean ejected) {
    this.ejected = ejected;
    updateTakesConnections();
  }

  /** Removed from its pool by a reload: no new connections; the open ones finish. */
  void leave() {
    leaving = true;
    updateTakesConnections();
  }

  /** Listed again by a reload while it was still draining: takes connections again. */
  void rejoin() {
    if (leaving) {
      leaving = false;
      updateTakesConnections();
    }
  }

  /** Whether a reload removed it from its pool. */
  public boolean leaving() {
    return leaving;
  }

  private void updateTakesConnections() {
    boolean was = takesConnections;
    boolean now = !leaving && adminState == ServerState.UP && healthy && !ejected;
    if (now && !was && slowStartNanos > 0) {
      rampEndNanos = System.nanoTime() + slowStartNanos;
    }
    takesConnections = now;
  }

  /** Who hears about connect outcomes on live traffic (outlier detection), or null. */
  public void outcomeListener(OutcomeListener listener) {
    this.outcomeListener = listener;
  }

  /** A connection to this server failed (refused, timed out, reset before any byte). */
  public void recordFailure() {
    int failures = consecutiveFailures.incrementAndGet();
    OutcomeListener listener = outcomeListener;
    if (listener != null) {
      listener.failed(this, failures);
    }
  }

  /** A connection to this server was established and moved bytes. */
  public void recordSuccess() {
    if (consecutiveFailures.get() != 0) {
      consecutiveFailures.set(0);
    }
    OutcomeListener listener = outcomeListener;
    if (listener != null) {
      listener.succeeded(this);
    }
  }

  public int consecutiveFailures() {
    return consecutiveFailures.get();
  }

  /** Hears the outcome of live connections to a server; called on event loops, must not block. */
  public interface OutcomeListener {
    void failed(Server server, int consecutiveFailures);

    void succeeded(Server server);
  }

  public int active() {
    return active.get();
  }

  public long totalConnections() {
    return total.sum();
  }

  /** Waits, connect and transfer times, and responses: kept as long as this object lives. */
  public ServerStats stats() {
    return stats;
  }

  /**
   * The server's limit in force: configured (in fleet mode the fleet's total) or learned, capped by
   * push-back; 0 for none.
   */
  public int maxConnections() {
    AdaptiveLimit learned = adaptive;
    int limit = learned == null ? maxConnections : learned.limit();
    int said = cap;
    if (said > 0 && (limit == 0 || said < limit)) {
      return said;
    }
    return limit;
  }

  /** Learn the limit with {@code limit} from now on (null: back to the configured one). */
  public void adaptive(AdaptiveLimit limit) {
    this.adaptive = limit;
  }

  public AdaptiveLimit adaptive() {
    return adaptive;
  }

  /**
   * Folds one round trip of live traffic into the learned limit, if any: request sent to response
   * head (HTTP) or connect time (TCP). Called on event loops.
   */
  public void recordRoundTrip(long nanos) {
    AdaptiveLimit learned = adaptive;
    if (learned != null) {
      learned.sample(nanos, active.get());
    }
  }

  /**
   * The agent's {@code maxconn:N}: the limit is at most {@code N} from now on, whatever is learned
   * or configured; 0 lifts it.
   */
  public void cap(int connections) {
    this.cap = Math.max(0, connections);
  }

  public int cap() {
    return cap;
  }

  /**
   * The server said on live traffic that it can take {@code capacity} at once: a learned limit is
   * set to it (within its bounds) and learns on from there; a configured one is capped by it.
   */
  public void capacity(int capacity) {
    AdaptiveLimit learned = adaptive;
    if (learned != null) {
      if (learned.limit() != capacity) {
        learned.set(capacity);
      }
    } else if (maxConnections == 0 || capacity < maxConnections) {
      cap = Math.max(1, capacity);
    } else if (cap != 0) {
      cap = 0;
    }
  }

  /** The configured limit (in fleet mode the fleet's total), 0 for none. */
  public int configuredMaxConnections() {
    return maxConnections;
  }

  /**
   * The limit enforced here now, 0 for none: the configured one or this instance's share of the
   * fleet's, or the learned one, capped by push-back.
   */
  public int localLimit() {
    return Math.max(0, enforcedLimit());
  }

  /**
   * Sets this instance's share of a fleet-wide limit. Connections already open above it stay; new
   * ones wait until the count is below it. The caller offers the pool's queue any room it made.
   */
  public void localLimit(int limit) {
    this.localLimit = Math.max(0, Math.min(limit, maxConnections));
  }

  public int remoteActive() {
    return remoteActive;
  }

  /** Records the other fleet instances' connections to this server (fleet thread only). */
  public void remoteActive(int connections) {
    this.remoteActive = Math.max(0, connections);
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
