package io.sluice.runtime;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.sluice.admin.AdminServer;
import io.sluice.admin.Control;
import io.sluice.admission.ConnectionLimit;
import io.sluice.admission.TokenBucket;
import io.sluice.config.Config;
import io.sluice.config.Endpoint;
import io.sluice.config.ListenerConfig;
import io.sluice.config.PoolConfig;
import io.sluice.config.Protocol;
import io.sluice.config.ServerConfig;
import io.sluice.health.ChannelTypes;
import io.sluice.health.HealthService;
import io.sluice.health.SelfProbe;
import io.sluice.net.AcceptGate;
import io.sluice.net.BindException;
import io.sluice.net.Listener;
import io.sluice.net.LoopLoad;
import io.sluice.net.ProcessAdmission;
import io.sluice.net.SocketAddresses;
import io.sluice.net.SystemdNotifier;
import io.sluice.net.Transport;
import io.sluice.observe.AccessLog;
import io.sluice.observe.EventLoopWatchdog;
import io.sluice.observe.LiveView;
import io.sluice.pool.AdaptiveLimit;
import io.sluice.pool.Pool;
import io.sluice.pool.RetryBudget;
import io.sluice.pool.Server;
import io.sluice.pool.ServerQueue;
import io.sluice.pool.ServerState;
import io.sluice.proxy.http.HttpListenerContext;
import io.sluice.proxy.http.HttpProxyInitializer;
import io.sluice.proxy.http.HttpStats;
import io.sluice.proxy.http.Upstream;
import io.sluice.proxy.tcp.ClientTls;
import io.sluice.proxy.tcp.RelayStats;
import io.sluice.proxy.tcp.SniRoutes;
import io.sluice.proxy.tcp.TcpListenerContext;
import io.sluice.proxy.tcp.TcpProxyInitializer;
import io.sluice.proxy.udp.DatagramBuffers;
import io.sluice.proxy.udp.DropReason;
import io.sluice.proxy.udp.UdpListener;
import io.sluice.proxy.udp.UdpListenerSettings;
import io.sluice.proxy.udp.UdpStats;
import io.sluice.tls.SigningPool;
import io.sluice.tls.TlsSetupException;
import io.sluice.tls.TlsStats;
import io.sluice.tls.TlsTerminator;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running Sluice: event loops, listeners and pools built from one {@link Config}.
 *
 * <p>Threads: started, drained and closed by one thread (the CLI's main thread or a test); the
 * event loops run the traffic; the control thread (created with the first TLS listener) re-reads
 * certificate and ticket-key files and rotates keys; the crypto pool signs TLS handshakes; the
 * watchdog thread watches the loops' ticks; the self-probe thread (with {@code self_probe})
 * connects to the listeners; the notify loop (under systemd) talks to the service manager.
 */
public final class SluiceRuntime implements AutoCloseable, Control {
  private static final Logger log = LoggerFactory.getLogger(SluiceRuntime.class);

  private final Config config;
  private final Transport transport;
  private final EventLoopGroup loops;
  private final AccessLog accessLog;
  private final ChannelGroup connections;
  private final Map<String, Pool> pools = new LinkedHashMap<>();
  private final Map<String, Listener> listeners = new LinkedHashMap<>();
  private final Map<String, RelayStats> stats = new LinkedHashMap<>();
  private final Map<String, HttpStats> httpStats = new LinkedHashMap<>();
  private final Map<String, Upstream> upstreams = new LinkedHashMap<>();
  private final Map<String, TlsTerminator> terminators = new LinkedHashMap<>();
  private final Map<String, UdpListener> udpListeners = new LinkedHashMap<>();

  /** The datagram buffers every udp listener shares; {@code null} without udp listeners. */
  private DatagramBuffers datagramBuffers;

  /**
   * How often certificate and ticket-key files are checked for changes: soon enough that a renewed
   * certificate is served within seconds, rare enough that reading a few kilobytes costs nothing.
   */
  private static final Duration FILE_CHECK_PERIOD = Duration.ofSeconds(5);

  /** The crypto pool; {@code null} until a TLS listener needs it. */
  private SigningPool signingPool;

  private final boolean ownsSigningPool;
  private ScheduledExecutorService control;
  private final LoopLoad loopLoad = new LoopLoad();
  private final ProcessAdmission admission;
  private final HealthService health;
  private AdminServer admin;
  private EventLoopWatchdog watchdog;
  private SelfProbe selfProbe;
  private SystemdNotifier notifier;
  private volatile boolean stopping;
  private boolean closed;

  private SluiceRuntime(
      Config config,
      Transport transport,
      int threads,
      AccessLog accessLog,
      SigningPool signingPool) {
    this.config = config;
    this.signingPool = signingPool;
    this.ownsSigningPool = signingPool == null;
    this.transport = transport;
    this.loops = transport.newGroup(threads, "sluice-loop", loopLoad);
    this.admission = new ProcessAdmission(processMaxConnections(config), loopLoad);
    this.health =
        new HealthService(
            transport.newGroup(1, "sluice-health", new LoopLoad()),
            ChannelTypes.of(transport::clientChannel, transport.datagramChannel()));
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
    return start(config, threads, null);
  }

  /**
   * As {@link #start(Config, int)}, with TLS handshakes signed on {@code signingPool}, which the
   * caller owns and closes after this runtime stopped; {@code null}: a pool of one thread per core,
   * made when a TLS listener needs it.
   */
  public static SluiceRuntime start(Config config, int threads, SigningPool signingPool)
      throws StartException {
    AccessLog accessLog = AccessLogs.open(config.accessLog());
    SluiceRuntime runtime =
        new SluiceRuntime(config, Transport.best(), threads, accessLog, signingPool);
    try {
      runtime.buildPools();
      runtime.watchLoops();
      runtime.bindListeners();
      runtime.scheduleTlsUpkeep();
      runtime.startSelfProbes();
      runtime.startAdmin();
    } catch (StartException e) {
      runtime.stopNow();
      throw e;
    }
    runtime.notifyServiceManager();
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
        Server created =
            new Server(
                server.address(),
                address,
                server.weight(),
                server.adaptiveLimit() ? 0 : server.maxConnections(),
                server.sendProxy(),
                server.sendProxyV2());
        if (server.adaptiveLimit()) {
          created.adaptive(
              new AdaptiveLimit(
                  server.adaptive().min(), server.adaptive().max(), server.adaptive().initial()));
        }
        created.adminState(
            switch (server.state()) {
              case UP -> ServerState.UP;
              case DRAIN -> ServerState.DRAIN;
              case MAINT -> ServerState.MAINT;
            });
        created.slowStart(pool.slowStart().toNanos());
        servers.add(created);
      }
      Pool built =
          new Pool(
              pool.name(),
              servers,
              Balancers.of(pool),
              pool.timeouts().connect(),
              new ServerQueue(
                  pool.queue().max(),
                  pool.queue().timeout().toNanos(),
                  pool.queue().target().toNanos(),
                  pool.queue().interval().toNanos(),
                  pool.queue().lifoUnderCongestion()),
              pool.queue().timeout(),
              pool.retry().attempts(),
              new RetryBudget(pool.retry().budget().fraction(), pool.retry().minPerSecond()));
      pools.put(pool.name(), built);
      upstreams.put(
          pool.name(),
          new Upstream(
              built,
              pool.http(),
              pool.timeouts().response(),
              pool.retry().maxBody().bytes(),
              pool.retry().nonIdempotent(),
              transport));
      health.watch(built, pool.health(), pool.outlier());
    }
  }

  private void watchLoops() {
    List<ScheduledExecutorService> each = new ArrayList<>();
    loops.forEach(each::add);
    watchdog =
        EventLoopWatchdog.start(
            each,
            config.watchdog().tick().toNanos(),
            config.watchdog().stall().toNanos(),
            TimeUnit.NANOSECONDS);
  }

  private void startSelfProbes() {
    if (!config.selfProbe().enabled()) {
      return;
    }
    List<SelfProbe.Target> targets = new ArrayList<>();
    for (ListenerConfig listener : config.listeners()) {
      SelfProbe.Target target =
          SelfProbes.target(listener, listeners.get(listener.name()).boundAddresses());
      if (target != null) {
        targets.add(target);
      }
    }
    selfProbe =
        SelfProbe.start(targets, config.selfProbe().interval(), config.selfProbe().timeout());
  }

  /** With {@code NOTIFY_SOCKET} set (systemd's {@code Type=notify}): ready, and the watchdog. */
  private void notifyServiceManager() {
    Map<String, String> environment = System.getenv();
    notifier = SystemdNotifier.fromEnvironment(environment);
    if (notifier != null) {
      notifier.ready("serving " + listeners.size() + " listeners");
      notifier.startWatchdog(environment, this::loopsTurning);
    }
  }

  /** Whether every event loop has turned within the watchdog's stall limit. */
  public boolean loopsTurning() {
    return watchdog == null || watchdog.healthy();
  }

  private void startAdmin() throws StartException {
    if (config.admin() == null) {
      return;
    }
    Endpoint endpoint = Endpoint.parse(config.admin().bind());
    InetSocketAddress address = (InetSocketAddress) SocketAddresses.of(endpoint);
    try {
      admin = AdminServer.start(address, config.admin().token(), this);
      log.info("admin on http://{}/", SocketAddresses.format(admin.address()));
    } catch (IllegalStateException e) {
      throw new StartException(e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StartException("interrupted while binding the admin listener", e);
    }
  }

  /** The admin listener's address, or null when there is none. */
  public InetSocketAddress adminAddress() {
    return admin == null ? null : admin.address();
  }

  @Override
  public boolean ready() {
    return !stopping
        && (!listeners.isEmpty() || !udpListeners.isEmpty())
        && (selfProbe == null || selfProbe.allPassing());
  }

  @Override
  public boolean setServerState(String pool, String server, String state) {
    ServerState wanted =
        switch (state.toLowerCase(Locale.ROOT)) {
          case "up" -> ServerState.UP;
          case "drain" -> ServerState.DRAIN;
          case "maint" -> ServerState.MAINT;
          default -> null;
        };
    return wanted != null && setServerState(pool, server, wanted);
  }

  private void bindListeners() throws StartException {
    int udpIndex = 0;
    for (ListenerConfig listener : config.listeners()) {
      if (listener.protocol() == Protocol.UDP) {
        bindUdp(listener, udpIndex++);
        continue;
      }
      RelayStats relayStats = new RelayStats();
      io.netty.channel.ChannelHandler initializer;
      if (listener.isHttp()) {
        HttpStats http = new HttpStats();
        TlsTerminator terminator =
            listener.protocol() == Protocol.HTTPS
                ? startTls(listener, List.of("h2", "http/1.1"))
                : null;
        initializer =
            new HttpProxyInitializer(
                HttpListenerContext.of(
                    listener, upstreams, transport, accessLog, connections, http, terminator));
        httpStats.put(listener.name(), http);
      } else {
        ClientTls tls = null;
        if (listener.protocol() == Protocol.TLS) {
          tls = new TlsTermination(startTls(listener, List.of()));
        }
        initializer =
            new TcpProxyInitializer(
                new TcpListenerContext(
                    listener.name(),
                    pools.get(listener.pool()),
                    listener.acceptProxy(),
                    listener.timeouts().proxyHeader(),
                    listener.timeouts().idle(),
                    transport,
                    accessLog,
                    connections,
                    relayStats,
                    tls,
                    sniRoutes(listener)));
        stats.put(listener.name(), relayStats);
      }
      List<SocketAddress> addresses = new ArrayList<>();
      for (String bind : listener.bind()) {
        addresses.add(SocketAddresses.of(Endpoint.parse(bind)));
      }
      boolean reusePort = listener.reusePort() && transport.supportsReusePort();
      AcceptGate gate =
          new AcceptGate(
              new ConnectionLimit(listener.maxConnections()),
              admission,
              listener.acceptRate() == null
                  ? null
                  : new TokenBucket(listener.acceptRate().perSecond(), listener.acceptBurst()),
              reusePort);
      try {
        Listener bound =
            Listener.bind(
                listener.name(),
                addresses,
                reusePort,
                listener.backlog(),
                gate,
                transport,
                loops,
                initializer);
        listeners.put(listener.name(), bound);
        log.info("listener {} on {}", listener.name(), describe(bound.boundAddresses()));
      } catch (BindException e) {
        throw new StartException(e.getMessage(), e);
      }
    }
  }

  /**
   * Binds a udp listener on one event loop of its own choosing: the {@code index}-th udp listener
   * takes loop {@code index} modulo the loops, so several spread over the cores.
   */
  private void bindUdp(ListenerConfig listener, int index) throws StartException {
    if (datagramBuffers == null) {
      int largest = 0;
      for (ListenerConfig any : config.listeners()) {
        if (any.protocol() == Protocol.UDP) {
          largest = Math.max(largest, (int) any.udp().maxDatagram().bytes());
        }
      }
      datagramBuffers =
          new DatagramBuffers(
              config.udpBuffers().budget().bytes(),
              config.udpBuffers().reserve().fraction(),
              largest);
      log.info(
          "udp buffers: {} of {} bytes preallocated, {} kept for replies",
          datagramBuffers.total(),
          datagramBuffers.bufferBytes(),
          datagramBuffers.reserve());
    }
    UdpListenerSettings settings =
        new UdpListenerSettings(
            listener.name(),
            pools.get(listener.pool()),
            listener.udp().affinity() == io.sluice.config.UdpConfig.Affinity.SIP_CALL_ID,
            listener.udp().maxFlows(),
            listener.timeouts().idle(),
            listener.udp().flowRate() == null ? 0 : listener.udp().flowRate().perSecond(),
            listener.udp().serverRate() == null ? 0 : listener.udp().serverRate().perSecond(),
            listener.udp().onServerDown() == io.sluice.config.UdpConfig.OnServerDown.MOVE,
            (int) listener.udp().maxDatagram().bytes(),
            transport,
            accessLog,
            datagramBuffers);
    List<SocketAddress> addresses = new ArrayList<>();
    for (String bind : listener.bind()) {
      addresses.add(SocketAddresses.of(Endpoint.parse(bind)));
    }
    List<io.netty.channel.EventLoop> all = new ArrayList<>();
    loops.forEach(executor -> all.add((io.netty.channel.EventLoop) executor));
    try {
      UdpListener bound = UdpListener.bind(settings, addresses, all.get(index % all.size()));
      udpListeners.put(listener.name(), bound);
      log.info("udp listener {} on {}", listener.name(), describe(bound.boundAddresses()));
    } catch (BindException e) {
      throw new StartException(e.getMessage(), e);
    }
  }

  /** A udp listener's figures; {@code null} for other listeners. */
  public UdpStats udpStats(String listener) {
    UdpListener udp = udpListeners.get(listener);
    return udp == null ? null : udp.stats();
  }

  /** The shared datagram buffers, {@code null} without udp listeners. */
  public DatagramBuffers datagramBuffers() {
    return datagramBuffers;
  }

  private TlsTerminator startTls(ListenerConfig listener, List<String> alpn) throws StartException {
    if (signingPool == null) {
      signingPool = new SigningPool(Runtime.getRuntime().availableProcessors());
    }
    try {
      TlsTerminator terminator =
          TlsTerminator.start(listener.name(), listener.tls(), signingPool, alpn);
      terminators.put(listener.name(), terminator);
      return terminator;
    } catch (TlsSetupException e) {
      throw new StartException("listener '" + listener.name() + "': " + e.getMessage(), e);
    }
  }

  /** Certificate and key-file checks, and in-memory ticket-key rotation, on the control thread. */
  private void scheduleTlsUpkeep() {
    if (terminators.isEmpty()) {
      return;
    }
    control =
        Executors.newSingleThreadScheduledExecutor(
            job -> {
              Thread thread = new Thread(job, "sluice-control");
              thread.setDaemon(true);
              return thread;
            });
    long check = FILE_CHECK_PERIOD.toMillis();
    control.scheduleWithFixedDelay(this::checkTlsFiles, check, check, TimeUnit.MILLISECONDS);
    for (TlsTerminator terminator : terminators.values()) {
      long rotate = terminator.ticketRotation().toMillis();
      if (rotate > 0) {
        control.scheduleAtFixedRate(
            terminator::rotateTicketKeys, rotate, rotate, TimeUnit.MILLISECONDS);
      }
    }
  }

  /**
   * Picks up changed certificate, key and ticket-key files of every TLS listener now, rather than
   * at the next periodic check. Never call it on an event loop: it reads files.
   */
  public void checkTlsFiles() {
    for (TlsTerminator terminator : terminators.values()) {
      terminator.checkFiles();
    }
  }

  /** A TLS listener's handshake figures and signer; {@code null} for a plain listener. */
  public TlsStats tlsStats(String listener) {
    TlsTerminator terminator = terminators.get(listener);
    return terminator == null ? null : terminator.stats();
  }

  private SniRoutes sniRoutes(ListenerConfig listener) {
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

  /**
   * The configured process-wide limit, or one derived from the open-files limit: two descriptors
   * per relayed connection, less a reserve for listeners, logs and health checks.
   */
  static int processMaxConnections(Config config) {
    if (config.maxConnections() != null) {
      return config.maxConnections();
    }
    long files = 0;
    if (ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.UnixOperatingSystemMXBean unix) {
      files = unix.getMaxFileDescriptorCount();
    }
    if (files <= 0) {
      return ListenerConfig.DEFAULT_MAX_CONNECTIONS;
    }
    return (int) Math.max(1, Math.min(Integer.MAX_VALUE, (files - 256) / 2));
  }

  /**
   * Sets a server's operator state without a reload: {@code DRAIN} and {@code MAINT} take it out of
   * rotation at once and end no connection; {@code UP} brings it back.
   *
   * @return false when there is no such pool or server
   */
  public boolean setServerState(String poolName, String serverName, ServerState state) {
    Pool pool = pools.get(poolName);
    if (pool == null) {
      return false;
    }
    for (Server server : pool.servers()) {
      if (server.name().equals(serverName)) {
        server.adminState(state);
        pool.offerRoomToQueue();
        log.info("server {} of pool {} set to {} by an operator", serverName, poolName, state);
        return true;
      }
    }
    return false;
  }

  /**
   * Changes a server's weight without a reload; balancers read it at their next pick ({@code
   * source_hash} keeps its ring and uses the weight for its load bound).
   *
   * @return false when there is no such pool or server, or the weight is outside 1 to 256
   */
  @Override
  public boolean setServerWeight(String poolName, String serverName, int weight) {
    Pool pool = pools.get(poolName);
    if (pool == null || weight < 1 || weight > 256) {
      return false;
    }
    for (Server server : pool.servers()) {
      if (server.name().equals(serverName)) {
        server.weight(weight);
        log.info(
            "server {} of pool {} weight set to {} by an operator", serverName, poolName, weight);
        return true;
      }
    }
    return false;
  }

  /** How close every listener, pool and server is to its limits, now. */
  @Override
  public LiveView view() {
    List<LiveView.ListenerLoad> listenerLoads = new ArrayList<>();
    for (Listener listener : listeners.values()) {
      AcceptGate gate = listener.gate();
      Map<String, Long> codes = new LinkedHashMap<>();
      RelayStats relay = stats.get(listener.name());
      (relay != null ? relay.terminations() : httpStats.get(listener.name()).terminations())
          .snapshot()
          .forEach((state, count) -> codes.put(state.code(), count));
      listenerLoads.add(
          new LiveView.ListenerLoad(
              listener.name(),
              gate.connections().open(),
              gate.connections().max(),
              gate.rateLimit(),
              gate.accepted(),
              gate.paused(),
              new LiveView.TerminationCounts(codes),
              tlsLoad(tlsStats(listener.name())),
              httpLoad(httpStats.get(listener.name())),
              selfProbe == null ? null : selfProbe.result(listener.name())));
    }
    List<LiveView.PoolLoad> poolLoads = new ArrayList<>();
    for (Pool pool : pools.values()) {
      List<LiveView.ServerLoad> serverLoads = new ArrayList<>();
      for (Server server : pool.servers()) {
        serverLoads.add(
            new LiveView.ServerLoad(
                server.name(),
                server.state().name().toLowerCase(Locale.ROOT),
                server.active(),
                server.maxConnections(),
                server.weight(),
                server.totalConnections(),
                server.latencyNanos() / 1e6,
                server.ejected()));
      }
      poolLoads.add(
          new LiveView.PoolLoad(
              pool.name(),
              pool.queue().length(),
              pool.queue().max(),
              pool.retryBudget().granted(),
              Math.max(0, pool.retryBudget().retriesLeft()),
              serverLoads,
              Math.max(0, pool.drainRate().perSecond()),
              pool.refusedEarly()));
    }
    return new LiveView(
        admission.connections().open(),
        admission.connections().max(),
        loopLoad.snapshot(),
        watchdog == null ? new double[0] : watchdog.lagMillis(),
        watchdog == null ? new long[0] : watchdog.stalls(),
        config.watchdog().stall().toNanos() / 1e6,
        listenerLoads,
        poolLoads,
        new LiveView.AccessLogLoad(accessLog.written(), accessLog.dropped(), accessLog.queued()),
        udpLoads(),
        datagramBuffers == null
            ? null
            : new LiveView.UdpBuffersLoad(
                datagramBuffers.total(),
                datagramBuffers.inUse(),
                datagramBuffers.reserve(),
                datagramBuffers.bufferBytes()));
  }

  private List<LiveView.UdpListenerLoad> udpLoads() {
    List<LiveView.UdpListenerLoad> loads = new ArrayList<>();
    for (UdpListener listener : udpListeners.values()) {
      UdpStats udp = listener.stats();
      Map<String, Long> drops = new LinkedHashMap<>();
      for (DropReason reason : DropReason.values()) {
        drops.put(reason.label(), udp.drops(reason));
      }
      Map<String, Long> codes = new LinkedHashMap<>();
      udp.terminations().snapshot().forEach((state, count) -> codes.put(state.code(), count));
      loads.add(
          new LiveView.UdpListenerLoad(
              listener.name(),
              udp.openFlows(),
              udp.maxFlows(),
              udp.flowsCreated(),
              udp.evictions(),
              udp.moves(),
              drops,
              udp.datagramsFromClients(),
              udp.bytesFromClients(),
              udp.datagramsToClients(),
              udp.bytesToClients(),
              new LiveView.TerminationCounts(codes)));
    }
    return loads;
  }

  private static LiveView.HttpLoad httpLoad(HttpStats http) {
    if (http == null) {
      return null;
    }
    long[] responses = new long[6];
    for (int statusClass = 1; statusClass <= 5; statusClass++) {
      responses[statusClass] = http.responses(statusClass);
    }
    return new LiveView.HttpLoad(
        responses,
        http.overloadAnswers(),
        http.retries(),
        http.fullReplays(),
        http.rejectedRequests());
  }

  private static LiveView.TlsLoad tlsLoad(TlsStats tls) {
    return tls == null
        ? null
        : new LiveView.TlsLoad(
            tls.signer(),
            tls.fullHandshakes(),
            tls.resumedHandshakes(),
            tls.failedHandshakes(),
            tls.shedHandshakes());
  }

  private static String describe(List<SocketAddress> addresses) {
    List<String> text = new ArrayList<>();
    addresses.forEach(a -> text.add(SocketAddresses.format(a)));
    return String.join(", ", text);
  }

  /** The socket transport this machine offers: {@code epoll} or {@code nio}. */
  public static String bestTransportName() {
    return Transport.best().name().toLowerCase(Locale.ROOT);
  }

  /** The addresses a listener is bound to, with kernel-chosen ports filled in. */
  public List<SocketAddress> boundAddresses(String listener) {
    UdpListener udp = udpListeners.get(listener);
    return udp != null ? udp.boundAddresses() : listeners.get(listener).boundAddresses();
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

  /** The figures of an {@code http} or {@code https} listener, or {@code null}. */
  public HttpStats httpStats(String listener) {
    return httpStats.get(listener);
  }

  public Pool pool(String name) {
    return pools.get(name);
  }

  public AccessLog accessLog() {
    return accessLog;
  }

  /** Reopens the access-log file (after log rotation, on {@code SIGUSR1}); returns at once. */
  public void reopenLogs() {
    accessLog.reopen();
    log.info("access log reopened");
  }

  public Transport transport() {
    return transport;
  }

  /** The traffic event loops, for tests that load them on purpose. */
  EventLoopGroup trafficLoops() {
    return loops;
  }

  /**
   * The traffic event loops, for tests in other packages that block them on purpose (a watchdog or
   * probe test); never for production code, which reaches loops only through its channels.
   */
  public Iterable<io.netty.util.concurrent.EventExecutor> trafficLoopsForTests() {
    return loops;
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
    stopping = true;
    if (notifier != null) {
      notifier.stopping();
    }
    if (selfProbe != null) {
      // Closing listeners would fail every probe; readiness already says no.
      selfProbe.close();
    }
    listeners.values().forEach(Listener::close);
    // A datagram flow has no end of its own to wait for: flows end (KD) as the sockets close.
    udpListeners.values().forEach(UdpListener::close);
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
    if (control != null) {
      control.shutdownNow();
      // A reload in progress finishes before the contexts it builds are released.
      awaitQuietly(control);
    }
    if (admin != null) {
      admin.close();
    }
    if (selfProbe != null) {
      selfProbe.close();
    }
    if (watchdog != null) {
      watchdog.close();
    }
    if (notifier != null) {
      notifier.close();
    }
    health.close();
    udpListeners.values().forEach(UdpListener::close);
    loops.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
    terminators.values().forEach(TlsTerminator::close);
    if (ownsSigningPool && signingPool != null) {
      signingPool.close();
    }
    accessLog.close();
  }

  private static void awaitQuietly(ScheduledExecutorService executor) {
    try {
      executor.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
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
