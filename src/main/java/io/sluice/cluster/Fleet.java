package io.sluice.cluster;

import io.sluice.admission.AcceptRate;
import io.sluice.admission.LeasedRate;
import io.sluice.admission.TokenBucket;
import io.sluice.config.ClusterConfig;
import io.sluice.config.ListenerConfig;
import io.sluice.config.PoolConfig;
import io.sluice.config.Scope;
import io.sluice.observe.LiveView;
import io.sluice.pool.Pool;
import io.sluice.pool.Server;
import io.sluice.tls.TlsTerminator;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fleet mode: this instance's link to the others through Redis. It leases tokens of fleet-wide
 * accept rates and slots of fleet-wide server limits, shares TLS ticket keys and publishes and
 * reads load figures, all on one thread of its own, so no event loop ever waits for Redis: they
 * only spend what was leased and read what was published.
 *
 * <p>When a Redis call fails or takes longer than {@code cluster.timeout}, every fleet limit falls
 * back to its local share (the limit divided by the instances last seen alive) until a call
 * succeeds again; each change is logged once and counted. Without {@code cluster} the fleet is
 * {@linkplain #disabled() disabled}: local limits, no thread, nothing connects.
 *
 * <p>Threads: built and started by the runtime's starting thread; everything after runs on the
 * {@code sluice-cluster} thread, except {@link #view} (admin thread: volatile and atomic reads).
 */
public final class Fleet implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Fleet.class);

  /** While Redis is unreachable, a reconnect is tried this often (each within the timeout). */
  private static final long RECONNECT_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

  /** Ticket keys are checked every second: a rotation is noticed long before its period ends. */
  private static final long TICKET_SYNC_NANOS = TimeUnit.SECONDS.toNanos(1);

  private enum State {
    STARTING,
    CONNECTED,
    DISCONNECTED
  }

  private final ClusterConfig config;
  private final String instance;
  private final List<RateLease> rates = new ArrayList<>();
  private final List<SlotLease> slots = new ArrayList<>();
  private final List<TicketKeyShare> tickets = new ArrayList<>();
  private final AtomicLong fallbacks = new AtomicLong();
  private RedisLink redis;
  private FleetLoad load;
  private ScheduledExecutorService thread;
  private volatile State state = State.STARTING;
  private long nextReconnect;
  private long nextPublish;
  private long nextTickets;

  private Fleet(ClusterConfig config) {
    this.config = config;
    this.instance = config == null ? null : instanceName(config);
  }

  /** The fleet {@code config} describes; {@link #disabled()} when it is {@code null}. */
  public static Fleet of(ClusterConfig config) {
    return new Fleet(config);
  }

  /** No fleet: every limit is local. */
  public static Fleet disabled() {
    return new Fleet(null);
  }

  public boolean enabled() {
    return config != null;
  }

  /**
   * The accept rate of {@code listener}: a local {@link TokenBucket}, or for {@code
   * accept_rate_scope: cluster} a share of the fleet's leased from Redis; {@code null} without
   * {@code accept_rate}.
   */
  public AcceptRate acceptRate(ListenerConfig listener) {
    if (listener.acceptRate() == null) {
      return null;
    }
    double perSecond = listener.acceptRate().perSecond();
    if (!enabled() || listener.acceptRateScope() != Scope.CLUSTER) {
      return new TokenBucket(perSecond, listener.acceptBurst());
    }
    LeasedRate rate = new LeasedRate(perSecond, perSecond, listener.acceptBurst());
    rates.add(
        new RateLease(
            listener.name(),
            config.keyPrefix() + ":rate:" + listener.name(),
            rate,
            listener.acceptBurst(),
            config.syncInterval().toMillis()));
    return rate;
  }

  /**
   * Starts the fleet thread for these pools and TLS listeners, and waits (at most about a second)
   * for the first exchange with Redis, so that an instance whose Redis answers starts with its
   * leases and the fleet's ticket keys; one whose Redis does not starts on local shares.
   */
  public void start(
      Map<String, Pool> pools, List<PoolConfig> poolConfigs, Map<String, TlsTerminator> tls) {
    if (!enabled()) {
      return;
    }
    List<Pool> fleetCounted = new ArrayList<>();
    for (PoolConfig poolConfig : poolConfigs) {
      Pool pool = pools.get(poolConfig.name());
      if (pool == null || poolConfig.scope() != Scope.CLUSTER) {
        continue;
      }
      fleetCounted.add(pool);
      for (Server server : pool.servers()) {
        if (server.configuredMaxConnections() > 0) {
          String key = config.keyPrefix() + ":slots:" + pool.name() + ":" + server.name();
          slots.add(new SlotLease(pool, server, key, config.syncInterval().toMillis()));
        }
      }
    }
    long ticketLease = Math.max(3000, 3 * config.publishInterval().toMillis());
    tls.forEach(
        (listener, terminator) -> {
          if (!terminator.ticketKeysFromFile()) {
            tickets.add(new TicketKeyShare(listener, terminator, config.keyPrefix(), ticketLease));
          }
        });
    load = new FleetLoad(instance, config.keyPrefix(), List.copyOf(pools.values()), fleetCounted);
    redis =
        new RedisLink(
            config.redisAddress(), (int) config.timeout().toMillis(), "sluice-" + instance);
    thread =
        Executors.newSingleThreadScheduledExecutor(
            job -> {
              Thread created = new Thread(job, "sluice-cluster");
              created.setDaemon(true);
              return created;
            });
    nextReconnect = System.nanoTime();
    nextPublish = nextReconnect;
    nextTickets = nextReconnect;
    Future<?> first = thread.submit(this::tick);
    try {
      first.get(4 * config.timeout().toMillis() + 500, TimeUnit.MILLISECONDS);
    } catch (TimeoutException | ExecutionException e) {
      log.warn("cluster: the first exchange with Redis did not finish; starting on local shares");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** One round: publish when due (and first of all after a failure), renew leases, share keys. */
  private void tick() {
    long now = System.nanoTime();
    try {
      if (state != State.CONNECTED && now - nextReconnect < 0) {
        return;
      }
      if (state != State.CONNECTED || now - nextPublish >= 0) {
        load.sync(redis, 3 * config.publishInterval().toMillis());
        nextPublish = now + config.publishInterval().toNanos();
      }
      if (state != State.CONNECTED) {
        join();
      }
      for (RateLease rate : rates) {
        rate.renew(redis);
      }
      for (SlotLease slot : slots) {
        slot.renew(redis, instance);
      }
      if (now - nextTickets >= 0) {
        for (TicketKeyShare share : tickets) {
          share.sync(redis, instance);
        }
        nextTickets = now + TICKET_SYNC_NANOS;
      }
    } catch (RuntimeException e) {
      // Redis down, slow or answering nonsense: local shares until it answers again.
      lose(e);
      nextReconnect = now + RECONNECT_NANOS;
    } finally {
      scheduleNext();
    }
  }

  private void join() {
    State before = state;
    for (RateLease rate : rates) {
      rate.useLeases();
    }
    state = State.CONNECTED;
    if (before == State.STARTING) {
      log.info(
          "cluster: instance {} joined the fleet at redis {} ({} instances alive)",
          instance,
          redis.address(),
          load.aliveCount());
    } else {
      log.info(
          "cluster: redis {} answers again; instance {} rejoined the fleet ({} instances alive)",
          redis.address(),
          instance,
          load.aliveCount());
    }
  }

  private void lose(RuntimeException cause) {
    State before = state;
    if (before == State.DISCONNECTED) {
      return;
    }
    int alive = load.aliveCount();
    for (RateLease rate : rates) {
      rate.useLocalShare(alive);
    }
    for (SlotLease slot : slots) {
      slot.useLocalShare(alive);
    }
    load.forgetRemote();
    state = State.DISCONNECTED;
    fallbacks.incrementAndGet();
    log.warn(
        "cluster: redis {} unreachable ({}); instance {} enforces local shares of the fleet's"
            + " limits (1/{} each) until it answers",
        redis.address(),
        cause.getMessage(),
        instance,
        alive);
  }

  /** The next round after one interval, give or take a fifth, so instances do not renew in step. */
  private void scheduleNext() {
    if (thread.isShutdown()) {
      return;
    }
    long interval = config.syncInterval().toNanos();
    long jitter = ThreadLocalRandom.current().nextLong(-interval / 5, interval / 5 + 1);
    try {
      thread.schedule(this::tick, interval + jitter, TimeUnit.NANOSECONDS);
    } catch (java.util.concurrent.RejectedExecutionException stopping) {
      // Closed between the check and the schedule.
    }
  }

  /** The fleet as this instance sees it, for the admin API and metrics; null when disabled. */
  public LiveView.ClusterLoad view() {
    if (!enabled()) {
      return null;
    }
    List<LiveView.FleetRateLoad> limits = new ArrayList<>();
    for (RateLease lease : rates) {
      LeasedRate rate = lease.rate();
      limits.add(
          new LiveView.FleetRateLoad(
              lease.listener(),
              rate.perSecond(),
              rate.leased(),
              rate.localSharePerSecond(),
              Math.max(0, rate.balance())));
    }
    return new LiveView.ClusterLoad(
        instance,
        state == State.CONNECTED,
        fallbacks.get(),
        load == null ? List.of() : load.instances(),
        limits);
  }

  /** Leaves the fleet (its figures are removed at once when Redis answers) and stops the thread. */
  @Override
  public void close() {
    if (thread == null) {
      return;
    }
    Future<?> leaving =
        thread.submit(
            () -> {
              if (state == State.CONNECTED) {
                try {
                  load.leave(redis);
                } catch (RuntimeException e) {
                  // Its figures expire by themselves.
                }
              }
            });
    try {
      leaving.get(config.timeout().toMillis() * 2, TimeUnit.MILLISECONDS);
    } catch (TimeoutException | ExecutionException e) {
      // Expiry removes what the farewell could not.
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    thread.shutdownNow();
    try {
      thread.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    redis.close();
  }

  /** {@code cluster.name}, else {@code hostname-pid}. */
  private static String instanceName(ClusterConfig config) {
    if (config.name() != null) {
      return config.name();
    }
    String host;
    try {
      host = InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      host = "sluice";
    }
    String pid = Long.toString(ProcessHandle.current().pid());
    String name = (host.replaceAll("[^A-Za-z0-9._:-]", "_") + "-" + pid);
    return name.length() > 64 ? name.substring(name.length() - 64) : name;
  }

  /** A script's integer reply. */
  static long number(Object reply) {
    if (reply instanceof Number number) {
      return number.longValue();
    }
    return Long.parseLong(text(reply));
  }

  /** A script's bulk-string reply, {@code null} for Redis's nil. */
  static String text(Object reply) {
    if (reply == null) {
      return null;
    }
    if (reply instanceof byte[] bytes) {
      return new String(bytes, StandardCharsets.UTF_8);
    }
    return reply.toString();
  }
}
