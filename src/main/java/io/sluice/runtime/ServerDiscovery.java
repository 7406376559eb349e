package io.sluice.runtime;

import io.netty.channel.EventLoopGroup;
import io.sluice.config.Config;
import io.sluice.config.DnsConfig;
import io.sluice.config.PoolConfig;
import io.sluice.config.ServerConfig;
import io.sluice.net.DnsAnswer;
import io.sluice.net.DnsLookups;
import io.sluice.net.LoopLoad;
import io.sluice.net.Transport;
import io.sluice.observe.LiveView;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * The servers of pools' {@code dns} and {@code dns_srv} entries. A configuration is applied in its
 * <em>resolved</em> form: each DNS entry replaced by one server per address it resolved to ({@link
 * #expand}), so that pools are built and changed by the same {@link Reload} as any configuration.
 * Each entry is then asked again on its own schedule (the records' TTL between {@code
 * resolve_min_interval} and {@code resolve_interval}); when its addresses change, {@code onChange}
 * applies the resolved configuration again, and the diff does the rest: an address that stays is
 * the same server, new ones join (with health checks), vanished ones drain.
 *
 * <p>At start, and for entries a reload adds, the first answers are waited for (bounded by the
 * query timeout), as Envoy's {@code STRICT_DNS} clusters do: a name that resolves starts with its
 * servers; one that does not starts with none from that entry and is asked again until it does.
 *
 * <p>Threads: {@link #plan}, {@link #commit}, {@link #abort} and {@link #expanded} run on the
 * thread that applies configurations, one at a time (the starting thread, then the control thread),
 * which also runs the scheduled resolutions and their answers; the queries run on an event loop of
 * their own ({@code sluice-dns}), never a traffic loop; the admin thread reads {@link #views}.
 */
final class ServerDiscovery implements AutoCloseable {
  /**
   * Slack beyond the resolver's own timeouts before a first answer counts as not come: the resolver
   * always answers within its timeouts, but the first lookups of a process also load the DNS
   * codec's classes, measured at over a second on a busy two-core machine.
   */
  private static final long FIRST_ANSWER_SLACK_MILLIS = 5_000;

  /** glibc's MAXNS: how many name servers a resolv.conf can give. */
  private static final int SYSTEM_NAME_SERVERS = 3;

  private final Transport transport;
  private final ScheduledExecutorService control;
  private final Runnable onChange;

  /** The configuration as written, whose DNS entries {@link #entries} resolve. */
  private Config declared = Graph.EMPTY;

  /** Every DNS entry of {@link #declared}; replaced whole, read by the admin thread. */
  private volatile Map<DnsEntry.Key, DnsEntry> entries = Map.of();

  /** The resolver for {@link #declared}'s {@code dns} block; {@code null} without entries. */
  private DnsLookups lookups;

  private DnsConfig lookupsConfig;

  /** The event loop of the queries, made when the first entry needs it. */
  private EventLoopGroup loop;

  /**
   * @param control where resolutions are scheduled and their answers handled
   * @param onChange applies {@link #expanded} when an entry's addresses changed; run on {@code
   *     control}
   */
  ServerDiscovery(Transport transport, ScheduledExecutorService control, Runnable onChange) {
    this.transport = transport;
    this.control = control;
    this.onChange = onChange;
  }

  /**
   * A configuration's entries, resolved: those it shares with the running one (same name, port,
   * family and bound) keep their addresses, new ones are resolved now, waiting for their first
   * answers. Nothing changes until {@link #commit}.
   *
   * @param next a validated configuration
   */
  Plan plan(Config next) {
    Map<DnsEntry.Key, DnsEntry> planned = new LinkedHashMap<>();
    List<DnsEntry> fresh = new ArrayList<>();
    long now = System.nanoTime();
    for (PoolConfig pool : next.pools()) {
      for (ServerConfig server : pool.servers()) {
        if (!server.resolvesByDns()) {
          continue;
        }
        DnsEntry.Key key = DnsEntry.Key.of(pool, server, next.dns());
        DnsEntry entry = entries.get(key);
        if (entry == null) {
          entry =
              new DnsEntry(
                  key, next.dns().resolveInterval(pool), next.dns().resolveMinInterval(pool), now);
          fresh.add(entry);
        }
        planned.put(key, entry);
      }
    }
    DnsLookups planLookups = lookups;
    if (!planned.isEmpty() && (lookups == null || !next.dns().equals(lookupsConfig))) {
      planLookups = DnsLookups.start(loop().next(), transport, next.dns());
    }
    Map<DnsEntry, Duration> firstDelays = resolveFirst(fresh, planLookups, next.dns());
    return new Plan(
        next,
        expand(next, planned),
        Collections.unmodifiableMap(planned),
        firstDelays,
        planned.isEmpty() ? null : planLookups);
  }

  /**
   * What {@link #plan} prepared.
   *
   * @param expanded the configuration to apply: {@code declared} with its DNS entries resolved
   * @param firstDelays when each new entry is asked again
   * @param lookups the resolver the entries use from the commit on
   */
  record Plan(
      Config declared,
      Config expanded,
      Map<DnsEntry.Key, DnsEntry> entries,
      Map<DnsEntry, Duration> firstDelays,
      DnsLookups lookups) {}

  /** The planned configuration was applied: its entries are the running ones now. */
  void commit(Plan plan) {
    for (DnsEntry old : entries.values()) {
      if (plan.entries().get(old.key()) != old) {
        old.retire();
      }
    }
    if (lookups != null && lookups != plan.lookups()) {
      lookups.close();
    }
    lookups = plan.lookups();
    lookupsConfig = plan.lookups() == null ? null : plan.declared().dns();
    declared = plan.declared();
    entries = plan.entries();
    for (PoolConfig pool : declared.pools()) {
      for (ServerConfig server : pool.servers()) {
        if (server.resolvesByDns()) {
          entries
              .get(DnsEntry.Key.of(pool, server, declared.dns()))
              .intervals(
                  declared.dns().resolveInterval(pool), declared.dns().resolveMinInterval(pool));
        }
      }
    }
    plan.firstDelays().forEach(this::schedule);
  }

  /** The planned configuration was refused: what the plan started is stopped. */
  void abort(Plan plan) {
    if (plan.lookups() != null && plan.lookups() != lookups) {
      plan.lookups().close();
    }
  }

  /** The running configuration with every entry resolved to its last good set. */
  Config expanded() {
    return expand(declared, entries);
  }

  /**
   * {@code declared} with each DNS entry replaced, in place, by one server per address of its
   * entry: {@code NAME#ip:port}, with the entry's settings (and an SRV record's weight).
   */
  static Config expand(Config declared, Map<DnsEntry.Key, DnsEntry> entries) {
    List<PoolConfig> pools = new ArrayList<>();
    for (PoolConfig pool : declared.pools()) {
      if (!pool.resolvesByDns()) {
        pools.add(pool);
        continue;
      }
      List<ServerConfig> servers = new ArrayList<>();
      for (ServerConfig server : pool.servers()) {
        if (!server.resolvesByDns()) {
          servers.add(server);
          continue;
        }
        DnsEntry entry = entries.get(DnsEntry.Key.of(pool, server, declared.dns()));
        for (DnsAnswer.Target target : entry.targets()) {
          servers.add(server.resolved(target.address(), target.host(), target.weight()));
        }
      }
      pools.add(pool.withServers(servers));
    }
    return declared.withPools(pools);
  }

  /** Each pool's entries as the live view shows them; read on the admin thread. */
  Map<String, List<LiveView.DnsLoad>> views() {
    long now = System.nanoTime();
    Map<String, List<LiveView.DnsLoad>> views = new LinkedHashMap<>();
    for (DnsEntry entry : entries.values()) {
      views.computeIfAbsent(entry.key().pool(), p -> new ArrayList<>()).add(entry.view(now));
    }
    return views;
  }

  /**
   * Asks for every new entry at once and waits for the answers, as long as the resolver itself may
   * take: each name server asked in turn for its timeout, twice over for SRV and then its targets.
   * An answer not come by then counts as a timeout, and the entry is asked again soon.
   */
  private Map<DnsEntry, Duration> resolveFirst(
      List<DnsEntry> fresh, DnsLookups with, DnsConfig config) {
    Map<DnsEntry, CompletableFuture<DnsAnswer>> pending = new LinkedHashMap<>();
    for (DnsEntry entry : fresh) {
      CompletableFuture<DnsAnswer> answer = new CompletableFuture<>();
      lookUp(with, entry.key(), answer::complete);
      pending.put(entry, answer);
    }
    int servers = config.servers().isEmpty() ? SYSTEM_NAME_SERVERS : config.servers().size();
    long deadline =
        System.nanoTime()
            + TimeUnit.MILLISECONDS.toNanos(
                2 * servers * config.timeout().toMillis() + FIRST_ANSWER_SLACK_MILLIS);
    Map<DnsEntry, Duration> delays = new LinkedHashMap<>();
    for (Map.Entry<DnsEntry, CompletableFuture<DnsAnswer>> waiting : pending.entrySet()) {
      DnsAnswer answer = await(waiting.getValue(), deadline);
      delays.put(waiting.getKey(), waiting.getKey().accept(answer, System.nanoTime()).nextIn());
    }
    return delays;
  }

  private static DnsAnswer await(CompletableFuture<DnsAnswer> answer, long deadline) {
    try {
      return answer.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      return new DnsAnswer(DnsAnswer.Outcome.TIMEOUT, List.of(), 0, "no answer in time at start");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new DnsAnswer(DnsAnswer.Outcome.FAILURE, List.of(), 0, "interrupted");
    } catch (ExecutionException e) {
      return new DnsAnswer(DnsAnswer.Outcome.FAILURE, List.of(), 0, String.valueOf(e.getCause()));
    }
  }

  private void schedule(DnsEntry entry, Duration delay) {
    try {
      entry.next = control.schedule(() -> resolve(entry), delay.toMillis(), TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      // Stopping: nothing is resolved any more.
    }
  }

  private void resolve(DnsEntry entry) {
    if (entry.retired()) {
      return;
    }
    lookUp(
        lookups,
        entry.key(),
        answer -> {
          try {
            control.execute(() -> answered(entry, answer));
          } catch (RejectedExecutionException e) {
            // Stopping: the answer is not needed.
          }
        });
  }

  private void answered(DnsEntry entry, DnsAnswer answer) {
    if (entry.retired()) {
      return;
    }
    DnsEntry.Update update = entry.accept(answer, System.nanoTime());
    if (update.changed()) {
      onChange.run();
    }
    schedule(entry, update.nextIn());
  }

  private static void lookUp(DnsLookups with, DnsEntry.Key key, Consumer<DnsAnswer> done) {
    if (key.isService()) {
      with.service(key.dnsSrv(), key.family(), key.maxAddresses(), done);
    } else {
      with.addresses(key.dns(), key.family(), key.port(), done);
    }
  }

  private EventLoopGroup loop() {
    if (loop == null) {
      loop = transport.newGroup(1, "sluice-dns", new LoopLoad());
    }
    return loop;
  }

  @Override
  public void close() {
    entries.values().forEach(DnsEntry::retire);
    if (lookups != null) {
      lookups.close();
    }
    if (loop != null) {
      loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
    }
  }
}
