package io.sluice.pool;

import io.sluice.balance.Balancer;
import io.sluice.balance.BalancerFactory;
import io.sluice.balance.ServerView;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * A named group of servers and the way a new connection gets one of them.
 *
 * <p>Threads: the server list is fixed at construction. Each thread that calls {@link #acquire}
 * gets its own balancer (event loops never share balancing state), created on first use. The drain
 * rate and the refusal counters are shared by every event loop, lock-free.
 *
 * <p>Deadline-aware queueing: from the rate at which servers give slots back, {@link #enqueue}
 * estimates how long a newcomer would wait; one that could not be served within its queue timeout
 * is refused at once ({@link Assignment#FULL}) instead of after the timeout.
 */
public final class Pool implements ServerView {
  private final String name;
  private final Server[] servers;
  private final Duration connectTimeout;
  private final ServerQueue queue;
  private final Duration queueTimeout;
  private final int retryAttempts;
  private final RetryBudget retryBudget;
  private final ThreadLocal<Balancer> balancers;
  private final DrainRate drainRate = new DrainRate();
  private final LongAdder refusedEarly = new LongAdder();

  /** The second ({@code nanoTime / 1e9}) and the count of refusals in it, packed: 32 bits each. */
  private final AtomicLong refusalsThisSecond = new AtomicLong();

  public Pool(
      String name,
      List<Server> servers,
      BalancerFactory balancer,
      Duration connectTimeout,
      int queueMax,
      Duration queueTimeout,
      int retryAttempts,
      RetryBudget retryBudget) {
    this(
        name,
        servers,
        balancer,
        connectTimeout,
        new ServerQueue(queueMax, queueTimeout.toNanos(), Long.MAX_VALUE, Long.MAX_VALUE, false),
        queueTimeout,
        retryAttempts,
        retryBudget);
  }

  /**
   * @param queue the pool's queue, with its CoDel settings
   * @param queueTimeout how long a waiter may wait while the queue does not stand
   */
  public Pool(
      String name,
      List<Server> servers,
      BalancerFactory balancer,
      Duration connectTimeout,
      ServerQueue queue,
      Duration queueTimeout,
      int retryAttempts,
      RetryBudget retryBudget) {
    this.name = name;
    this.servers = servers.toArray(new Server[0]);
    this.connectTimeout = connectTimeout;
    this.queue = queue;
    this.queueTimeout = queueTimeout;
    this.retryAttempts = retryAttempts;
    this.retryBudget = retryBudget;
    this.balancers = ThreadLocal.withInitial(() -> balancer.create(this));
  }

  /**
   * Picks a server with room and takes a slot on it.
   *
   * @param hash the client's hash, for sticky balancers
   * @param avoid a server that just failed, not to be picked again unless it is the only one, or
   *     {@code null}
   * @return the server, its slot taken; or {@code null} when none has room
   */
  public Server acquire(long hash, Server avoid) {
    return acquire(hash, avoid, 0);
  }

  /**
   * As {@link #acquire(long, Server)}, for a retry: servers whose bit is set in {@code tried} (the
   * ones this connection already failed on, by index) are passed over while any other has room, so
   * two failing servers cannot take turns using up a connection's attempts.
   */
  public Server acquire(long hash, Server avoid, long tried) {
    if (!queue.isEmpty()) {
      // Freed slots belong to the queue's head first; a newcomer may not overtake it.
      return null;
    }
    if (tried != 0) {
      Server untried = pick(new Untried(this, tried), hash, null);
      if (untried != null) {
        return untried;
      }
    }
    return pick(this, hash, avoid);
  }

  /** The bit of {@code server} for {@link #acquire(long, Server, long)}'s {@code tried}. */
  public long bitOf(Server server) {
    int index = indexOf(server);
    return index >= 0 && index < Long.SIZE ? 1L << index : 0;
  }

  /** The pool seen without the servers a connection already tried; allocated per retry only. */
  private record Untried(Pool pool, long tried) implements ServerView {
    @Override
    public int size() {
      return pool.size();
    }

    @Override
    public int weight(int server) {
      return pool.weight(server);
    }

    @Override
    public boolean hasRoom(int server) {
      return (server >= Long.SIZE || (tried & (1L << server)) == 0) && pool.hasRoom(server);
    }

    @Override
    public int active(int server) {
      return pool.active(server);
    }

    @Override
    public long key(int server) {
      return pool.key(server);
    }

    @Override
    public long latencyNanos(int server) {
      return pool.latencyNanos(server);
    }
  }

  private Server pick(ServerView view, long hash, Server avoid) {
    Balancer balancer = balancers.get();
    int avoidIndex = indexOf(avoid);
    // A pick is a hint; another event loop may take the last slot between pick and take.
    for (int attempt = 0; attempt < servers.length; attempt++) {
      int index = balancer.pick(view, hash, avoidIndex);
      if (index == Balancer.NONE) {
        return null;
      }
      Server server = servers[index];
      if (server.tryTake()) {
        return server;
      }
    }
    return null;
  }

  /**
   * Queues {@code waiter} after {@link #acquire} found no room; it will be offered the next freed
   * slot in turn, or must time out by itself after {@link #queueTimeout()} and {@link
   * ServerQueue#remove} itself.
   */
  public Assignment enqueue(Waiter waiter) {
    if (!anyServerUp()) {
      return Assignment.NO_SERVER;
    }
    long now = System.nanoTime();
    drainRate.roll(now, !queue.isEmpty());
    if (hopeless(queue.length() + 1, queue.timeoutNanos())) {
      refusedEarly.increment();
      return Assignment.FULL;
    }
    if (!queue.add(waiter)) {
      return Assignment.FULL;
    }
    // A slot may have been freed between the failed acquire and the add: offer it now.
    offerRoomToQueue();
    return Assignment.QUEUED;
  }

  /**
   * Gives back a slot on {@code server}: straight to the queue's head while the server still takes
   * connections and its limit has not dropped below what it holds (a learned limit that shrank, an
   * agent's {@code maxconn}), else to the server.
   */
  public void release(Server server) {
    drainRate.released(System.nanoTime(), !queue.isEmpty());
    if (!queue.isEmpty()
        && server.state() == ServerState.UP
        && !server.overLimit()
        && queue.handOver(server)) {
      return;
    }
    server.release();
    if (!queue.isEmpty()) {
      offerRoomToQueue();
    }
  }

  /**
   * Hands slots to waiters while servers have room: after a server comes up, gains weight or room
   * appears while waiters were being added.
   */
  public void offerRoomToQueue() {
    while (!queue.isEmpty()) {
      Server server = pick(this, 0, null);
      if (server == null) {
        return;
      }
      if (!queue.handOver(server)) {
        server.release();
        return;
      }
    }
  }

  private boolean hopeless(int position, long timeoutNanos) {
    long wait = drainRate.waitNanos(position);
    return wait > timeoutNanos;
  }

  /** How long a waiter joining now may wait: see {@link ServerQueue#timeoutNanos}. */
  public long queueTimeoutNanos() {
    return queue.timeoutNanos();
  }

  /** How fast the servers give slots back. */
  public DrainRate drainRate() {
    return drainRate;
  }

  /** Newcomers refused at once because the queue would not have served them in time. */
  public long refusedEarly() {
    return refusedEarly.sum();
  }

  /**
   * Counts one refusal (an overload answer) and says how many came before it in the same second, so
   * the clients refused in one second can be told to come back at different times.
   */
  public int refusalsBeforeThisOne() {
    long second = System.nanoTime() / 1_000_000_000L & 0xFFFF_FFFFL;
    while (true) {
      long packed = refusalsThisSecond.get();
      long count = (packed >>> 32) == second ? packed & 0xFFFF_FFFFL : 0;
      if (refusalsThisSecond.compareAndSet(packed, second << 32 | (count + 1))) {
        return (int) Math.min(Integer.MAX_VALUE, count);
      }
    }
  }

  /** Whether at least one server takes new connections (up, whatever its load). */
  public boolean anyServerUp() {
    for (Server server : servers) {
      if (server.state() == ServerState.UP) {
        return true;
      }
    }
    return false;
  }

  public ServerQueue queue() {
    return queue;
  }

  public Duration queueTimeout() {
    return queueTimeout;
  }

  /** Retries after a failed first attempt, each on another server where one has room. */
  public int retryAttempts() {
    return retryAttempts;
  }

  public RetryBudget retryBudget() {
    return retryBudget;
  }

  private int indexOf(Server server) {
    if (server != null) {
      for (int i = 0; i < servers.length; i++) {
        if (servers[i] == server) {
          return i;
        }
      }
    }
    return Balancer.NONE;
  }

  public String name() {
    return name;
  }

  public List<Server> servers() {
    return List.of(servers);
  }

  public Duration connectTimeout() {
    return connectTimeout;
  }

  @Override
  public int size() {
    return servers.length;
  }

  @Override
  public int weight(int server) {
    return servers[server].weight();
  }

  @Override
  public boolean hasRoom(int server) {
    return servers[server].hasRoom();
  }

  @Override
  public int active(int server) {
    return servers[server].active();
  }

  @Override
  public long latencyNanos(int server) {
    return servers[server].latencyNanos();
  }

  @Override
  public long key(int server) {
    return servers[server].name().hashCode() * 0x9E3779B97F4A7C15L;
  }
}
