package io.sluice.runtime;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.sluice.balance.SmoothWeightedRoundRobin;
import io.sluice.config.Config;
import io.sluice.config.Endpoint;
import io.sluice.config.ListenerConfig;
import io.sluice.config.PoolConfig;
import io.sluice.config.ServerConfig;
import io.sluice.net.BindException;
import io.sluice.net.Listener;
import io.sluice.net.SocketAddresses;
import io.sluice.net.Transport;
import io.sluice.observe.AccessLog;
import io.sluice.pool.Pool;
import io.sluice.pool.Server;
import io.sluice.proxy.tcp.RelayStats;
import io.sluice.proxy.tcp.TcpListenerContext;
import io.sluice.proxy.tcp.TcpProxyInitializer;
import java.io.IOException;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running Sluice: event loops, listeners and pools built from one {@link Config}.
 *
 * <p>Threads: started, drained and closed by one control thread (the CLI's main thread or a test);
 * the event loops run the traffic.
 */
public final class SluiceRuntime implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SluiceRuntime.class);

  private final Config config;
  private final Transport transport;
  private final EventLoopGroup loops;
  private final AccessLog accessLog;
  private final ChannelGroup connections;
  private final Map<String, Pool> pools = new LinkedHashMap<>();
  private final Map<String, Listener> listeners = new LinkedHashMap<>();
  private final Map<String, RelayStats> stats = new LinkedHashMap<>();
  private boolean closed;

  private SluiceRuntime(Config config, Transport transport, int threads, AccessLog accessLog) {
    this.config = config;
    this.transport = transport;
    this.loops = transport.newGroup(threads, "sluice-loop");
    this.accessLog = accessLog;
    this.connections = new DefaultChannelGroup("clients", GlobalEventExecutor.INSTANCE);
  }

  /**
   * Builds and starts everything {@code config} describes, with one event loop per core.
   *
   * @throws StartException when a listener cannot bind or a server address cannot be resolved;
   *     whatever was started is stopped again
   */
  public static SluiceRuntime start(Config config) throws StartException {
    return start(config, Runtime.getRuntime().availableProcessors());
  }

  /** As {@link #start(Config)}, with {@code threads} event loops. */
  public static SluiceRuntime start(Config config, int threads) throws StartException {
    AccessLog accessLog;
    try {
      accessLog = AccessLog.open(config.accessLog().path(), config.accessLog().queue());
    } catch (IOException e) {
      throw new StartException("cannot open the access log: " + e.getMessage(), e);
    }
    SluiceRuntime runtime = new SluiceRuntime(config, Transport.best(), threads, accessLog);
    try {
      runtime.buildPools();
      runtime.bindListeners();
    } catch (StartException e) {
      runtime.stopNow();
      throw e;
    }
    return runtime;
  }

  private void buildPools() throws StartException {
    for (PoolConfig pool : config.pools()) {
      List<Server> servers = new ArrayList<>();
      for (ServerConfig server : pool.servers()) {
        SocketAddress address;
        try {
          address = SocketAddresses.of(Endpoint.parse(server.address()));
        } catch (IllegalArgumentException e) {
          throw new StartException(
              "pool '" + pool.name() + "': server " + server.address() + ": " + e.getMessage(), e);
        }
        servers.add(
            new Server(
                server.address(),
                address,
                server.weight(),
                server.maxConnections(),
                server.sendProxy(),
                server.sendProxyV2()));
      }
      pools.put(
          pool.name(),
          new Pool(
              pool.name(),
              servers,
              SmoothWeightedRoundRobin::new,
              pool.timeouts().connect(),
              0,
              Duration.ofMillis(500)));
    }
  }

  private void bindListeners() throws StartException {
    for (ListenerConfig listener : config.listeners()) {
      RelayStats relayStats = new RelayStats();
      TcpListenerContext context =
          new TcpListenerContext(
              listener.name(),
              pools.get(listener.pool()),
              listener.acceptProxy(),
              listener.timeouts().proxyHeader(),
              listener.timeouts().idle(),
              transport,
              accessLog,
              connections,
              relayStats);
      List<SocketAddress> addresses = new ArrayList<>();
      for (String bind : listener.bind()) {
        addresses.add(SocketAddresses.of(Endpoint.parse(bind)));
      }
      try {
        Listener bound =
            Listener.bind(
                listener.name(),
                addresses,
                listener.reusePort(),
                listener.backlog(),
                listener.maxConnections(),
                transport,
                loops,
                new TcpProxyInitializer(context));
        listeners.put(listener.name(), bound);
        stats.put(listener.name(), relayStats);
        log.info("listener {} on {}", listener.name(), describe(bound.boundAddresses()));
      } catch (BindException e) {
        throw new StartException(e.getMessage(), e);
      }
    }
  }

  private static String describe(List<SocketAddress> addresses) {
    List<String> text = new ArrayList<>();
    addresses.forEach(a -> text.add(SocketAddresses.format(a)));
    return String.join(", ", text);
  }

  /** The socket transport this machine offers: {@code epoll} or {@code nio}. */
  public static String bestTransportName() {
    return Transport.best().name().toLowerCase(java.util.Locale.ROOT);
  }

  /** The addresses a listener is bound to, with kernel-chosen ports filled in. */
  public List<SocketAddress> boundAddresses(String listener) {
    return listeners.get(listener).boundAddresses();
  }

  /** As {@link #boundAddresses}, as text: {@code 127.0.0.1:8080}, {@code unix:/run/s.sock}. */
  public List<String> boundAddressTexts(String listener) {
    List<String> texts = new ArrayList<>();
    boundAddresses(listener).forEach(a -> texts.add(SocketAddresses.format(a)));
    return texts;
  }

  public RelayStats stats(String listener) {
    return stats.get(listener);
  }

  public Pool pool(String name) {
    return pools.get(name);
  }

  public AccessLog accessLog() {
    return accessLog;
  }

  public Transport transport() {
    return transport;
  }

  /** Client connections open now, across every listener. */
  public int openConnections() {
    return connections.size();
  }

  /**
   * Stops accepting, waits up to {@code timeout} for open connections to end, closes the rest as
   * killed ({@code KD}), and stops the event loops.
   *
   * @return {@code true} when every connection ended by itself
   */
  public synchronized boolean stop(Duration timeout) {
    if (closed) {
      return true;
    }
    closed = true;
    listeners.values().forEach(Listener::close);
    log.info("stopped accepting; draining {} connections for up to {}", openConnections(), timeout);
    long deadline = System.nanoTime() + timeout.toNanos();
    while (openConnections() > 0 && System.nanoTime() < deadline) {
      sleepQuietly(20);
    }
    boolean drained = openConnections() == 0;
    if (!drained) {
      log.info("drain timeout passed; closing {} connections", openConnections());
      TcpProxyInitializer.killAll(connections);
      long killDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
      while (openConnections() > 0 && System.nanoTime() < killDeadline) {
        sleepQuietly(10);
      }
    }
    stopNow();
    return drained;
  }

  private void stopNow() {
    loops.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
    accessLog.close();
  }

  private static void sleepQuietly(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Stops with the configured drain timeout. */
  @Override
  public void close() {
    stop(config.drainTimeout());
  }
}
