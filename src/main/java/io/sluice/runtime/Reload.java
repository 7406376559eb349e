package io.sluice.runtime;

import io.netty.channel.ChannelHandler;
import io.sluice.admission.ConnectionLimit;
import io.sluice.admission.PipeBudget;
import io.sluice.config.Config;
import io.sluice.config.Endpoint;
import io.sluice.config.ListenerConfig;
import io.sluice.config.PoolConfig;
import io.sluice.config.Protocol;
import io.sluice.config.SpliceMode;
import io.sluice.net.AcceptGate;
import io.sluice.net.BindException;
import io.sluice.net.InheritedSockets;
import io.sluice.net.Listener;
import io.sluice.net.SocketAddresses;
import io.sluice.net.Transport;
import io.sluice.pool.Pool;
import io.sluice.proxy.http.HttpListenerContext;
import io.sluice.proxy.http.HttpProxyInitializer;
import io.sluice.proxy.http.HttpStats;
import io.sluice.proxy.http.Upstream;
import io.sluice.proxy.tcp.ClientTls;
import io.sluice.proxy.tcp.RelayStats;
import io.sluice.proxy.tcp.ServerTls;
import io.sluice.proxy.tcp.SniRoutes;
import io.sluice.proxy.tcp.TcpListenerContext;
import io.sluice.proxy.tcp.TcpProxyInitializer;
import io.sluice.tls.TlsSetupException;
import io.sluice.tls.TlsTerminator;
import io.sluice.tls.UpstreamTls;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Turns the running graph into the one a new configuration describes, changing only what the {@link
 * ConfigDiff} names. Start is the reload from the empty configuration.
 *
 * <p>Two phases. {@link #prepare} does everything that can fail and nothing anyone sees: resolves
 * new servers, starts new TLS contexts, binds new sockets (not accepting yet). If it fails, {@link
 * #abort} undoes it and the running graph is untouched. {@link #commit} cannot fail: pools take
 * their new servers and settings, listeners their new contexts and limits, new sockets start
 * accepting, removed sockets close, and the new graph is returned for publication.
 *
 * <p>Threads: one reload at a time, on the control thread (or the starting thread).
 */
final class Reload {
  private final Shared shared;
  private final Graph before;
  private final Config next;
  private final ConfigDiff diff;
  private final Map<String, PoolBuilder.PlannedServers> servers = new LinkedHashMap<>();
  private final Map<String, TlsTerminator> newTls = new LinkedHashMap<>();
  private final Map<String, Listener> boundListeners = new LinkedHashMap<>();
  private final Map<String, AcceptGate> newGates = new LinkedHashMap<>();
  private final List<Listener> widened = new ArrayList<>();
  private final Map<String, ServerTlsBridge> newServerTls = new LinkedHashMap<>();

  Reload(Shared shared, Graph before, Config next) {
    this.shared = shared;
    this.before = before;
    this.next = next;
    this.diff = ConfigDiff.between(before.config(), next);
  }

  ConfigDiff diff() {
    return diff;
  }

  /** Everything that can fail; on failure, what was prepared is undone before it throws. */
  void prepare(InheritedSockets inherited) throws StartException {
    try {
      for (PoolConfig pool : next.pools()) {
        if (diff.addedPools().contains(pool.name()) || diff.changedPools().contains(pool.name())) {
          servers.put(
              pool.name(),
              PoolBuilder.servers(
                  pool, before.pools().get(pool.name()), before.config().pool(pool.name())));
          PoolConfig was = before.config().pool(pool.name());
          if (pool.tlsEnabled() && (was == null || !Objects.equals(was.tls(), pool.tls()))) {
            newServerTls.put(pool.name(), startUpstreamTls(pool));
          }
        }
      }
      for (ListenerConfig listener : next.listeners()) {
        if (listener.protocol() == Protocol.UDP) {
          continue;
        }
        LiveListener running = before.listeners().get(listener.name());
        if (running == null) {
          bindNew(listener, inherited);
        } else if (diff.changedListeners().contains(listener.name())) {
          if (needsNewTls(running.config(), listener)) {
            newTls.put(listener.name(), startTls(listener));
          }
          widened.add(running.listener());
          try {
            running.listener().bindMore(addresses(listener), inherited);
          } catch (BindException e) {
            throw new StartException(e.getMessage(), e);
          }
        }
      }
    } catch (StartException | RuntimeException e) {
      abort();
      throw e;
    }
  }

  private void bindNew(ListenerConfig listener, InheritedSockets inherited) throws StartException {
    if (listener.protocol() == Protocol.HTTPS || listener.protocol() == Protocol.TLS) {
      newTls.put(listener.name(), startTls(listener));
    }
    boolean reusePort = listener.reusePort() && shared.transport().supportsReusePort();
    AcceptGate gate =
        new AcceptGate(
            new ConnectionLimit(listener.maxConnections()),
            shared.admission(),
            shared.fleet().acceptRate(listener),
            reusePort);
    try {
      Listener bound =
          Listener.bind(
              listener.name(),
              addresses(listener),
              reusePort,
              listener.backlog(),
              gate,
              shared.transport(),
              shared.loops(),
              null,
              inherited);
      boundListeners.put(listener.name(), bound);
      newGates.put(listener.name(), gate);
    } catch (BindException e) {
      throw new StartException(e.getMessage(), e);
    }
  }

  private ServerTlsBridge startUpstreamTls(PoolConfig pool) throws StartException {
    try {
      return new ServerTlsBridge(
          UpstreamTls.start(pool.name(), pool.tls(), shared.signingPool().get()));
    } catch (TlsSetupException e) {
      throw new StartException("pool '" + pool.name() + "': " + e.getMessage(), e);
    }
  }

  private static boolean needsNewTls(ListenerConfig was, ListenerConfig now) {
    boolean tls = now.protocol() == Protocol.HTTPS || now.protocol() == Protocol.TLS;
    return tls && (was.protocol() != now.protocol() || !Objects.equals(was.tls(), now.tls()));
  }

  private TlsTerminator startTls(ListenerConfig listener) throws StartException {
    List<String> alpn =
        listener.protocol() == Protocol.HTTPS ? List.of("h2", "http/1.1") : List.of();
    try {
      return TlsTerminator.start(
          listener.name(), listener.tls(), shared.signingPool().get(), alpn, shared.challenges());
    } catch (TlsSetupException e) {
      throw new StartException("listener '" + listener.name() + "': " + e.getMessage(), e);
    }
  }

  /** Undoes {@link #prepare}: closes what it bound and started. Kept servers were not touched. */
  void abort() {
    boundListeners.values().forEach(Listener::close);
    for (Listener listener : widened) {
      listener.closeExcept(addresses(before.listeners().get(listener.name()).config()));
    }
    newTls.values().forEach(TlsTerminator::close);
    newServerTls.values().forEach(ServerTlsBridge::close);
  }

  /** Applies the prepared change; cannot fail. Returns the graph to publish. */
  Graph commit() {
    Map<String, ServerTlsBridge> serverTls = new LinkedHashMap<>();
    List<ServerTlsBridge> replacedServerTls = new ArrayList<>();
    for (PoolConfig config : next.pools()) {
      ServerTlsBridge running = before.serverTls().get(config.name());
      ServerTlsBridge fresh = newServerTls.get(config.name());
      if (fresh != null) {
        serverTls.put(config.name(), fresh);
        if (running != null) {
          replacedServerTls.add(running);
        }
      } else if (config.tlsEnabled() && running != null) {
        serverTls.put(config.name(), running);
      } else if (running != null) {
        replacedServerTls.add(running);
      }
    }
    for (String removed : diff.removedPools()) {
      ServerTlsBridge gone = before.serverTls().get(removed);
      if (gone != null) {
        replacedServerTls.add(gone);
      }
    }

    Map<String, Pool> pools = new LinkedHashMap<>();
    for (PoolConfig config : next.pools()) {
      Pool pool = before.pools().get(config.name());
      PoolBuilder.PlannedServers planned = servers.get(config.name());
      ServerTlsBridge tls = serverTls.get(config.name());
      if (pool == null) {
        pool = PoolBuilder.build(config, planned.servers());
        shared.health().watch(pool, config.health(), config.outlier(), tls);
      } else if (planned != null) {
        shared.health().unwatch(pool);
        planned.applyUpdates();
        PoolBuilder.reconfigure(pool, config, planned.servers());
        shared.health().watch(pool, config.health(), config.outlier(), tls);
      }
      pools.put(config.name(), pool);
    }
    for (String removed : diff.removedPools()) {
      Pool pool = before.pools().get(removed);
      shared.health().unwatch(pool);
      pool.retire();
    }

    Map<String, Upstream> upstreams = new LinkedHashMap<>();
    for (PoolConfig config : next.pools()) {
      Upstream upstream = before.upstreams().get(config.name());
      if (upstream == null
          || (servers.containsKey(config.name())
              && !sameUpstream(before.config().pool(config.name()), config))) {
        upstream =
            new Upstream(
                pools.get(config.name()),
                config.http(),
                config.timeouts().response(),
                config.retry().maxBody().bytes(),
                config.retry().nonIdempotent(),
                shared.transport());
      }
      upstreams.put(config.name(), upstream);
    }

    Map<String, LiveListener> listeners = new LinkedHashMap<>();
    List<TlsTerminator> replacedTls = new ArrayList<>();
    Map<Pool, ServerTls> tlsByPool = new HashMap<>();
    serverTls.forEach((name, tls) -> tlsByPool.put(pools.get(name), tls));
    for (ListenerConfig config : next.listeners()) {
      if (config.protocol() == Protocol.UDP) {
        continue;
      }
      LiveListener running = before.listeners().get(config.name());
      LiveListener live;
      if (running == null) {
        live =
            withStats(config, boundListeners.get(config.name()), null, newTls.get(config.name()));
        live.listener().childHandler(initializer(live, pools, upstreams, tlsByPool));
      } else if (diff.listenersToRebuild().contains(config.name())) {
        TlsTerminator tls = tlsFor(config, running, replacedTls);
        live = withStats(config, running.listener(), running, tls);
        live.listener().childHandler(initializer(live, pools, upstreams, tlsByPool));
        ListenerConfig was = running.config();
        if (!Objects.equals(was.maxConnections(), config.maxConnections())
            || !Objects.equals(was.acceptRate(), config.acceptRate())
            || !Objects.equals(was.acceptBurst(), config.acceptBurst())) {
          live.listener().gate().limits(config.maxConnections(), shared.fleet().acceptRate(config));
        }
        live.listener().closeExcept(addresses(config));
      } else {
        live = running;
      }
      live.listener().startAccepting();
      listeners.put(config.name(), live);
    }
    for (String removed : diff.removedListeners()) {
      LiveListener gone = before.listeners().get(removed);
      if (gone == null) {
        continue; // a udp listener: not in the graph
      }
      gone.listener().close();
      if (gone.tls() != null) {
        replacedTls.add(gone.tls());
      }
    }
    // Handshakes in progress hold their own reference to the old context: closing is safe.
    replacedTls.forEach(TlsTerminator::close);
    replacedServerTls.forEach(ServerTlsBridge::close);
    return new Graph(
        next,
        Collections.unmodifiableMap(pools),
        Collections.unmodifiableMap(upstreams),
        Collections.unmodifiableMap(listeners),
        Collections.unmodifiableMap(serverTls));
  }

  /**
   * Whether a changed pool can keep its HTTP face, and with it the idle keep-alive connections to
   * the servers that stay: only its servers changed (DNS answers do that often), none of the
   * settings an {@link Upstream} is made of.
   */
  private static boolean sameUpstream(PoolConfig was, PoolConfig now) {
    return was != null
        && was.http().equals(now.http())
        && was.timeouts().equals(now.timeouts())
        && was.retry().equals(now.retry());
  }

  private TlsTerminator tlsFor(
      ListenerConfig config, LiveListener running, List<TlsTerminator> replaced) {
    TlsTerminator fresh = newTls.get(config.name());
    boolean tls = config.protocol() == Protocol.HTTPS || config.protocol() == Protocol.TLS;
    if (fresh != null || !tls) {
      if (running.tls() != null) {
        replaced.add(running.tls());
      }
      return fresh;
    }
    return running.tls();
  }

  /** Keeps a listener's figures across a reload unless its kind (TCP or HTTP) changed. */
  private static LiveListener withStats(
      ListenerConfig config, Listener listener, LiveListener running, TlsTerminator tls) {
    if (config.isHttp()) {
      HttpStats http = running != null && running.http() != null ? running.http() : new HttpStats();
      return new LiveListener(config, listener, null, http, tls);
    }
    RelayStats relay =
        running != null && running.relay() != null ? running.relay() : new RelayStats();
    return new LiveListener(config, listener, relay, null, tls);
  }

  private ChannelHandler initializer(
      LiveListener live,
      Map<String, Pool> pools,
      Map<String, Upstream> upstreams,
      Map<Pool, ServerTls> serverTls) {
    ListenerConfig listener = live.config();
    if (listener.isHttp()) {
      return new HttpProxyInitializer(
          HttpListenerContext.of(
              listener,
              upstreams,
              shared.transport(),
              shared.accessLog(),
              shared.connections(),
              live.http(),
              live.tls(),
              shared.spans().get(),
              shared.challenges(),
              shared.admission().memory()));
    }
    ClientTls tls = live.tls() == null ? null : new TlsTermination(live.tls());
    return new TcpProxyInitializer(
        new TcpListenerContext(
            listener.name(),
            pools.get(listener.pool()),
            listener.acceptProxy(),
            listener.timeouts().proxyHeader(),
            listener.timeouts().idle(),
            shared.transport(),
            shared.accessLog(),
            shared.connections(),
            live.relay(),
            tls,
            sniRoutes(listener, pools),
            serverTls,
            splices(listener, tls),
            shared.admission().memory()));
  }

  /** The pipes a tcp listener splices with, or {@code null} when it copies every byte. */
  private PipeBudget splices(ListenerConfig listener, ClientTls tls) {
    return listener.splice() == SpliceMode.AUTO
            && tls == null
            && shared.transport() == Transport.EPOLL
        ? shared.pipes()
        : null;
  }

  private static SniRoutes sniRoutes(ListenerConfig listener, Map<String, Pool> pools) {
    if (listener.sniRoutes().isEmpty()) {
      return null;
    }
    SniRoutes routes = new SniRoutes(pools.get(listener.pool()));
    for (ListenerConfig.SniRoute route : listener.sniRoutes()) {
      for (String name : route.names()) {
        routes.route(name, pools.get(route.pool()));
      }
    }
    return routes;
  }

  private static List<SocketAddress> addresses(ListenerConfig listener) {
    List<SocketAddress> addresses = new ArrayList<>();
    for (String bind : listener.bind()) {
      addresses.add(SocketAddresses.of(Endpoint.parse(bind)));
    }
    return addresses;
  }
}
