package io.sluice.pool;

import io.sluice.balance.Balancer;
import io.sluice.balance.BalancerFactory;
import io.sluice.balance.ServerView;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * A named group of servers and the way a new connection gets one of them.
 *
 * <p>A reload changes a pool in place, so connections, queue and retry budget keep one identity:
 * {@link #reconfigure} publishes a new immutable {@link Members} snapshot (the servers and the
 * balancing algorithm) and new settings, which apply to connections that acquire a server from then
 * on. Servers that stay are the same objects, with their counters and health; servers that leave
 * take no new connection and are listed by {@link #leavingServers()} until their last one ends.
 *
 * <p>Threads: the control thread writes the snapshot and settings (volatile fields); event loops
 * read the snapshot once per pick. Each thread that picks gets its own balancer for the snapshot it
 * read (event loops never share balancing state), created on first use after a change.
 *
 * <p>The drain rate and the refusal counters are shared by every event loop, lock-free.
 *
 * <p>Deadline-aware queueing: from the rate at which servers give slots back, {@link #enqueue}
 * estimates how long a newcomer would wait; one that could not be served within its queue timeout
 * is refused at once ({@link Assignment#FULL}) instead of after the timeout.
 */
public final class Pool {
  private final String name;
  private final ServerQueue queue;
  private final RetryBudget retryBudget;
  private final ThreadLocal<BalancerSlot> balancers = ThreadLocal.withInitial(BalancerSlot::new);
  private volatile Members members;
  private volatile Duration connectTimeout;
  private volatile Duration queueTimeout;
  private volatile int retryAttempts;

  /** Servers a reload removed while they still had connections; written by the control thread. */
  private volatile List<Server> leaving = List.of();

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
    this.members = new Members(servers.toArray(new Server[0]), balancer);
    this.connectTimeout = connectTimeout;
    this.queue = queue;
    this.queueTimeout = queueTimeout;
    this.retryAttempts = retryAttempts;
    this.retryBudget = retryBudget;
  }

  /**
   * Applies a reload: {@code servers} become the pool's servers in this order (the objects of
   * servers that stay are passed again, as are draining ones listed again, which rejoin), {@code
   * balancer} builds fresh balancers over them, and the settings apply to connections that pick a
   * server from now on. Servers no longer listed leave: they take no new connection and open ones
   * finish. Only the control thread calls it.
   */
  public void reconfigure(
      List<Server> servers,
      BalancerFactory balancer,
      Duration connectTimeout,
      int queueMax,
      Duration queueTimeout,
      Duration queueTarget,
      Duration queueInterval,
      boolean lifo,
      int retryAttempts,
      double retryRatio,
      int retryMinPerSecond) {
    List<Server> stillLeaving = new ArrayList<>(leavingServers());
    for (Server old : members.servers) {
      if (!servers.contains(old)) {
        old.leave();
        stillLeaving.add(old);
      }
    }
    stillLeaving.removeAll(servers);
    servers.forEach(Server::rejoin);
    this.connectTimeout = connectTimeout;
    this.queueTimeout = queueTimeout;
    this.retryAttempts = retryAttempts;
    queue.configure(
        queueMax, queueTimeout.toNanos(), queueTarget.toNanos(), queueInterval.toNanos(), lifo);
    retryBudget.limits(retryRatio, retryMinPerSecond);
    this.members = new Members(servers.toArray(new Server[0]), balancer);
    this.leaving = List.copyOf(stillLeaving);
    offerRoomToQueue();
  }

  /** The pool itself was removed by a reload: every server leaves. */
  public void retire() {
    List<Server> all = new ArrayList<>(leavingServers());
    for (Server server : members.servers) {
      server.leave();
      all.add(server);
    }
    this.members = new Members(new Server[0], members.factory);
    this.leaving = List.copyOf(all);
  }

  /** Servers a reload removed that still have connections open (draining). */
  public List<Server> leavingServers() {
    List<Server> open = new ArrayList<>();
    for (Server server : leaving) {
      if (server.active() > 0) {
        open.add(server);
      }
    }
    return open;
  }

  /** One published set of servers and the algorithm that balances over them. */
  private static final class Members implements ServerView {
    final Server[] servers;
    final BalancerFactory factory;

    Members(Server[] servers, BalancerFactory factory) {
      this.servers = servers;
      this.factory = factory;
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
    public int remoteActive(int server) {
      return servers[server].remoteActive();
    }

    @Override
    public long latencyNanos(int server) {
      return servers[server].latencyNanos();
    }

    @Override
    public long key(int server) {
      return servers[server].name().hashCode() * 0x9E3779B97F4A7C15L;
    }

    int indexOf(Server server) {
      if (server != null) {
        for (int i = 0; i < servers.length; i++) {
          if (servers[i] == server) {
            return i;
          }
        }
      }
      return Balancer.NONE;
    }
  }

  /** One thread's balancer and the snapshot it was built for; touched by that thread only. */
  private static final class BalancerSlot {
    Members members;
    Balancer balancer;

    Balancer forMembers(Members current) {
      if (members != current) {
        members = current;
        balancer = current.factory.create(current);
      }
      return balancer;
    }
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
    Members current = members;
    if (tried != 0) {
      Server untried = pick(current, new Untried(current, tried), hash, null);
      if (untried != null) {
        return untried;
      }
    }
    return pick(current, current, hash, avoid);
  }

  /**
   * The bit of {@code server} for {@link #acquire(long, Server, long)}'s {@code tried}. After a
   * reload the bits may name other servers: they are a hint, never a correctness matter.
   */
  public long bitOf(Server server) {
    int index = members.indexOf(server);
    return index >= 0 && index < Long.SIZE ? 1L << index : 0;
  }

  /** The pool seen without the servers a connection already tried; allocated per retry only. */
  private record Untried(ServerView pool, long tried) implements ServerView {
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
    public int remoteActive(int server) {
      return pool.remoteActive(server);
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

  private Server pick(Members current, ServerView view, long hash, Server avoid) {
    Balancer balancer = balancers.get().forMembers(current);
    int avoidIndex = current.indexOf(avoid);
    // A pick is a hint; another event loop may take the last slot between pick and take.
    for (int attempt = 0; attempt < current.servers.length; attempt++) {
      int index = balancer.pick(view, hash, avoidIndex);
      if (index == Balancer.NONE) {
        return null;
      }
      Server server = current.servers[index];
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
      Members current = members;
      Server server = pick(current, current, 0, null);
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
    for (Server server : members.servers) {
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

  public String name() {
    return name;
  }

  /** The servers new connections may go to, in configured order. */
  public List<Server> servers() {
    return List.of(members.servers);
  }

  public Duration connectTimeout() {
    return connectTimeout;
  }
}
