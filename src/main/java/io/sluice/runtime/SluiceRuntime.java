package io.sluice.runtime;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.sluice.admin.AdminServer;
import io.sluice.admin.Control;
import io.sluice.admin.Control.RunningConfig;
import io.sluice.admission.BufferMemory;
import io.sluice.admission.PipeBudget;
import io.sluice.cluster.Fleet;
import io.sluice.config.Config;
import io.sluice.config.Endpoint;
import io.sluice.config.ListenerConfig;
import io.sluice.config.Protocol;
import io.sluice.config.TracingConfig;
import io.sluice.health.ChannelTypes;
import io.sluice.health.HealthService;
import io.sluice.health.SelfProbe;
import io.sluice.net.BindException;
import io.sluice.net.DirectMemory;
import io.sluice.net.InheritedSockets;
import io.sluice.net.LoopLoad;
import io.sluice.net.ProcessAdmission;
import io.sluice.net.SocketAddresses;
import io.sluice.net.SocketHandover;
import io.sluice.net.SystemdNotifier;
import io.sluice.net.Transport;
import io.sluice.observe.AccessLog;
import io.sluice.observe.EventLoopWatchdog;
import io.sluice.observe.LiveView;
import io.sluice.observe.SpanExporter;
import io.sluice.pool.Pool;
import io.sluice.pool.Server;
import io.sluice.pool.ServerState;
import io.sluice.proxy.http.HttpDrain;
import io.sluice.proxy.http.HttpStats;
import io.sluice.proxy.tcp.RelayStats;
import io.sluice.proxy.tcp.TcpProxyInitializer;
import io.sluice.proxy.udp.DatagramBuffers;
import io.sluice.proxy.udp.DropReason;
import io.sluice.proxy.udp.UdpListener;
import io.sluice.proxy.udp.UdpListenerSettings;
import io.sluice.proxy.udp.UdpStats;
import io.sluice.tls.AcmeChallenges;
import io.sluice.tls.SigningPool;
import io.sluice.tls.TlsStats;
import io.sluice.tls.TlsTerminator;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running Sluice: event loops, listeners and pools built from one {@link Config}, changed in
 * place by reloads ({@link Reload}: only what the new configuration changes is rebuilt), stopped by
 * a drain, or handed over to a new process ({@link SocketHandover}).
 *
 * <p>Udp listeners, the fleet ({@code cluster}), the event-loop watchdog and the span exporter are
 * built at start only: a reload that would change udp listeners or the fleet is refused, and
 * changed {@code watchdog}, {@code tracing} or {@code self_probe} settings are logged as applying
 * at the next restart (self-probes follow the listeners a reload changes).
 *
 * <p>Threads: started by one thread (the CLI's main thread or a test); reloads, file checks and
 * ticket-key rotation run on the control thread; {@link #stop} runs on the thread that asks for it.
 * The live {@link Graph} is immutable and republished whole after each reload, so the admin thread
 * reads it without locks. The event loops run the traffic; the crypto pool signs TLS handshakes;
 * the watchdog thread watches the loops' ticks; the self-probe thread (with {@code self_probe})
 * connects to the listeners; the notify loop (under systemd) talks to the service manager; with
 * {@code cluster}, the fleet's thread (see {@link Fleet}) talks to Redis; with {@code dns} or
 * {@code dns_srv} servers, the DNS loop asks name servers, and the control thread re-resolves and
 * applies what changed ({@link ServerDiscovery}).
 */
public final class SluiceRuntime implements AutoCloseable, Control {
  private static final Logger log = LoggerFactory.getLogger(SluiceRuntime.class);

  /**
   * How often certificate and ticket-key files are checked for changes: soon enough that a renewed
   * certificate is served within seconds, rare enough that reading a few kilobytes costs nothing.
   */
  private static final Duration FILE_CHECK_PERIOD = Duration.ofSeconds(5);

  /** How often a watched configuration file is looked at: a stat call, nothing more. */
  private static final Duration WATCH_PERIOD = Duration.ofSeconds(1);

  private final Transport transport;
  private final EventLoopGroup loops;
  private final AccessLog accessLog;
  private final ChannelGroup connections;

  /** The crypto pool; {@code null} until a TLS listener needs it. */
  private SigningPool signingPool;

  private final boolean ownsSigningPool;
  private final ScheduledExecutorService control;
  private final LoopLoad loopLoad = new LoopLoad();
  private final ProcessAdmission admission;
  private final HealthService health;
  private final Shared shared;
  private volatile Graph graph = Graph.empty();
  private final Map<TlsTerminator, ScheduledFuture<?>> rotations = new HashMap<>();
  private final Reloads reloads;
  private final Path configFile;

  /** What {@code GET /api/config} shows; replaced by the control thread after each apply. */
  private volatile RunningConfig running;

  private volatile AdminServer admin;
  private SocketHandover handover;
  private volatile boolean handedOver;
  private volatile Runnable onHandedOver = () -> {};
  private final Fleet fleet;

  /** The servers of pools' DNS entries, resolved and kept current. */
  private final ServerDiscovery discovery;

  /** What {@code tracing} said at start; a reload's change applies at the next restart. */
  private final TracingConfig tracing;

  /** The watchdog's stall limit in milliseconds, as configured at start. */
  private final double loopStallMillis;

  /** Slow and failed requests' spans, with {@code tracing}; else {@code null}. */
  private volatile SpanExporter spans;

  private final Map<String, UdpListener> udpListeners = new LinkedHashMap<>();

  /** The datagram buffers every udp listener shares; {@code null} without udp listeners. */
  private DatagramBuffers datagramBuffers;

  private EventLoopWatchdog watchdog;
  private volatile SelfProbe selfProbe;
  private volatile SystemdNotifier notifier;
  private volatile boolean stopping;
  private boolean closed;

  private SluiceRuntime(
      Config config,
      Transport transport,
      int threads,
      AccessLog accessLog,
      SigningPool signingPool,
      Path configFile) {
    this.signingPool = signingPool;
    this.ownsSigningPool = signingPool == null;
    this.transport = transport;
    this.reloads = new Reloads(configFile, this::reloadInPlace, () -> stopping);
    this.configFile = configFile;
    this.fleet = Fleet.of(config.cluster());
    this.tracing = config.tracing();
    this.loopStallMillis = config.watchdog().stall().toNanos() / 1e6;
    this.loops = transport.newGroup(threads, "sluice-loop", loopLoad);
    int maxConnections = DescriptorShares.maxConnections(config, transport);
    this.admission = new ProcessAdmission(maxConnections, loopLoad, bufferMemory(config));
    this.health =
        new HealthService(
            transport.newGroup(1, "sluice-health", new LoopLoad()),
            ChannelTypes.of(transport::clientChannel, transport.datagramChannel()));
    this.accessLog = accessLog;
    this.connections = new DefaultChannelGroup("clients", GlobalEventExecutor.INSTANCE);
    this.control =
        Executors.newSingleThreadScheduledExecutor(
            job -> {
              Thread thread = new Thread(job, "sluice-control");
              thread.setDaemon(true);
              return thread;
            });
    this.discovery = new ServerDiscovery(transport, control, this::applyResolvedServers);
    this.shared =
        new Shared(
            transport,
            loops,
            admission,
            health,
            accessLog,
            connections,
            this::signingPool,
            fleet,
            this::spans,
            new AcmeChallenges(),
            new PipeBudget(DescriptorShares.maxPipes(config, transport, maxConnections)));
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
    return start(config, threads, signingPool, null, InheritedSockets.none());
  }

  /**
   * As {@link #start(Config)}, for the command line: {@code configFile} is what reloads re-read;
   * listeners adopt the sockets {@code takeover} received whose address they are configured with,
   * and bind the rest.
   */
  public static SluiceRuntime start(Config config, Path configFile, Takeover takeover)
      throws StartException {
    return start(
        config,
        Runtime.getRuntime().availableProcessors(),
        null,
        configFile,
        takeover.sockets(),
        takeover.controlSocket() == null);
  }

  /**
   * The full form: {@code configFile} is what reloads re-read ({@code null}: reloads only through
   * {@link #reload(Config)}); listeners adopt the sockets of {@code inherited} whose address they
   * are configured with, and bind the rest.
   */
  static SluiceRuntime start(
      Config config,
      int threads,
      SigningPool signingPool,
      Path configFile,
      InheritedSockets inherited)
      throws StartException {
    return start(config, threads, signingPool, configFile, inherited, true);
  }

  /**
   * @param adminNow false when taking over: the old process holds the admin address until it is
   *     told to drain, and {@link Takeover#complete} starts the admin API afterwards
   */
  private static SluiceRuntime start(
      Config config,
      int threads,
      SigningPool signingPool,
      Path configFile,
      InheritedSockets inherited,
      boolean adminNow)
      throws StartException {
    if (!adminNow && config.listeners().stream().anyMatch(l -> l.protocol() == Protocol.UDP)) {
      // Refused before anything accepts: the running process keeps serving untouched.
      throw new StartException(
          "cannot take over: udp listeners are not handed over; restart the process instead", null);
    }
    AccessLog accessLog = AccessLogs.open(config.accessLog());
    SluiceRuntime runtime =
        new SluiceRuntime(config, Transport.best(), threads, accessLog, signingPool, configFile);
    try {
      runtime.watchLoops(config);
      runtime.apply(config, inherited);
      for (LiveListener listener : runtime.graph.listeners().values()) {
        log.info(
            "listener {} on {}", listener.name(), describe(listener.listener().boundAddresses()));
      }
      runtime.bindUdpListeners(config);
      runtime.fleet.start(runtime.graph.pools(), config.pools(), runtime.terminators());
      runtime.scheduleUpkeep();
      runtime.startSelfProbes(config);
      if (adminNow) {
        runtime.startAdmin(config);
      }
    } catch (StartException e) {
      runtime.stopNow();
      throw e;
    }
    runtime.notifyServiceManager();
    return runtime;
  }

  /** The TLS termination of each tls/https listener, by name, for the fleet's ticket keys. */
  private Map<String, TlsTerminator> terminators() {
    Map<String, TlsTerminator> terminators = new LinkedHashMap<>();
    graph.listeners().values().stream()
        .filter(l -> l.tls() != null)
        .forEach(l -> terminators.put(l.name(), l.tls()));
    return terminators;
  }

  private void watchLoops(Config config) {
    List<ScheduledExecutorService> each = new ArrayList<>();
    loops.forEach(executor -> each.add(executor));
    watchdog =
        EventLoopWatchdog.start(
            each,
            config.watchdog().tick().toNanos(),
            config.watchdog().stall().toNanos(),
            TimeUnit.NANOSECONDS);
  }

  /** Starts the self-probes of the listeners the graph has now, replacing any running ones. */
  private void startSelfProbes(Config config) {
    SelfProbe running = selfProbe;
    if (running != null) {
      running.close();
    }
    if (!config.selfProbe().enabled()) {
      selfProbe = null;
      return;
    }
    List<SelfProbe.Target> targets = new ArrayList<>();
    for (ListenerConfig listener : config.listeners()) {
      List<SocketAddress> bound = boundAddresses(listener.name());
      SelfProbe.Target target = SelfProbes.target(listener, bound);
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
    SystemdNotifier found = SystemdNotifier.fromEnvironment(environment);
    notifier = found;
    if (found != null) {
      found.ready("serving " + listenerCount() + " listeners");
      found.startWatchdog(environment, this::loopsTurning);
    }
  }

  private int listenerCount() {
    return graph.listeners().size() + udpListeners.size();
  }

  /** Whether every event loop has turned within the watchdog's stall limit. */
  public boolean loopsTurning() {
    return watchdog == null || watchdog.healthy();
  }

  /**
   * Binds the udp listeners, each on one event loop of its own choosing: the {@code index}-th udp
   * listener takes loop {@code index} modulo the loops, so several spread over the cores. At start
   * only; a reload that changes them is refused.
   */
  private void bindUdpListeners(Config config) throws StartException {
    int index = 0;
    for (ListenerConfig listener : config.listeners()) {
      if (listener.protocol() == Protocol.UDP) {
        bindUdp(config, listener, index++);
      }
    }
  }

  private void bindUdp(Config config, ListenerConfig listener, int index) throws StartException {
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
            graph.pools().get(listener.pool()),
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

  /** The span exporter, started with the first HTTP listener when {@code tracing} is set. */
  private synchronized SpanExporter spans() {
    if (spans == null && tracing != null) {
      spans =
          SpanExporter.start(
              java.net.URI.create(tracing.otlpEndpoint()),
              tracing.serviceName(),
              tracing.slowerThan(),
              tracing.queue());
    }
    return spans;
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

  private SigningPool signingPool() {
    if (signingPool == null) {
      signingPool = new SigningPool(Runtime.getRuntime().availableProcessors());
    }
    return signingPool;
  }

  /**
   * A reload (not the start): refused whole when it would change what is built at start only (udp
   * listeners, the fleet).
   */
  private ConfigDiff reloadInPlace(Config next) throws StartException {
    List<String> refused = ConfigDiff.refusals(graph.config(), next);
    if (!refused.isEmpty()) {
      throw new StartException(String.join("; ", refused), null);
    }
    Graph before = graph;
    ConfigDiff diff = apply(next, InheritedSockets.none());
    if (!diff.addedListeners().isEmpty()
        || !diff.removedListeners().isEmpty()
        || !diff.changedListeners().isEmpty()
        || !Objects.equals(before.config().selfProbe(), next.selfProbe())) {
      // Probe the listeners as they are now, not as they were.
      startSelfProbes(next);
    }
    return diff;
  }

  /** Runs a reload between {@code RELOADING=1} and {@code READY=1} when under systemd. */
  private ReloadResult announced(java.util.function.Supplier<ReloadResult> reload) {
    SystemdNotifier systemd = notifier;
    if (systemd != null) {
      systemd.reloading();
    }
    try {
      return reload.get();
    } finally {
      if (systemd != null && !stopping) {
        systemd.ready("serving " + listenerCount() + " listeners");
      }
    }
  }

  /**
   * Applies {@code next} as a diff of the running graph, its DNS entries resolved (new ones are
   * asked now; the others keep their addresses); on failure nothing changed.
   */
  private synchronized ConfigDiff apply(Config next, InheritedSockets inherited)
      throws StartException {
    if (stopping) {
      throw new StartException("stopping: a reload is not applied any more", null);
    }
    ServerDiscovery.Plan plan = discovery.plan(next);
    Reload reload = new Reload(shared, graph, plan.expanded());
    try {
      reload.prepare(inherited);
    } catch (StartException | RuntimeException e) {
      discovery.abort(plan);
      throw e;
    }
    Graph before = graph;
    graph = reload.commit();
    discovery.commit(plan);
    RunningConfig was = running;
    running =
        new RunningConfig(
            was == null ? 1 : was.generation() + 1,
            configFile == null ? null : configFile.toString(),
            Instant.now(),
            next);
    scheduleRotations(before);
    return reload.diff();
  }

  /**
   * DNS changed the addresses of a pool's entry: the running configuration, resolved anew, is
   * applied as a reload would apply it, so servers that stay keep everything and vanished ones
   * drain. On the control thread; not counted as a reload.
   */
  private synchronized void applyResolvedServers() {
    if (stopping) {
      return;
    }
    Reload reload = new Reload(shared, graph, discovery.expanded());
    try {
      reload.prepare(InheritedSockets.none());
    } catch (StartException | RuntimeException e) {
      log.error("servers from DNS not applied, the pools stay as they were: {}", e.getMessage());
      return;
    }
    graph = reload.commit();
  }

  /** In-memory ticket-key rotation for each TLS listener the graph has, none for the gone. */
  private void scheduleRotations(Graph before) {
    Map<TlsTerminator, Boolean> live = new HashMap<>();
    graph.listeners().values().stream()
        .filter(l -> l.tls() != null)
        .forEach(l -> live.put(l.tls(), true));
    rotations
        .entrySet()
        .removeIf(
            entry -> {
              if (!live.containsKey(entry.getKey())) {
                entry.getValue().cancel(false);
                return true;
              }
              return false;
            });
    for (TlsTerminator terminator : live.keySet()) {
      long rotate = terminator.ticketRotation().toMillis();
      if (rotate > 0 && !rotations.containsKey(terminator)) {
        rotations.put(
            terminator,
            control.scheduleAtFixedRate(
                terminator::rotateTicketKeys, rotate, rotate, TimeUnit.MILLISECONDS));
      }
    }
  }

  /**
   * Applies {@code next} on the control thread, as a reload of the file would.
   *
   * @return what happened; never throws for a refused configuration
   */
  public ReloadResult reload(Config next) {
    try {
      return control.submit(() -> announced(() -> reloads.apply(next))).get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new ReloadResult(false, "interrupted", List.of("interrupted"));
    } catch (ExecutionException e) {
      return new ReloadResult(false, "failed", List.of(String.valueOf(e.getCause())));
    } catch (RejectedExecutionException e) {
      return reloads.stopped();
    }
  }

  /** Re-reads the configuration file and applies what changed, on the control thread. */
  @Override
  public CompletableFuture<ReloadResult> reload() {
    CompletableFuture<ReloadResult> result = new CompletableFuture<>();
    try {
      control.execute(() -> result.complete(announced(reloads::reloadFile)));
    } catch (RejectedExecutionException e) {
      result.complete(reloads.stopped());
    }
    return result;
  }

  /** Certificate checks and the watched configuration file, on the control thread. */
  private void scheduleUpkeep() {
    long check = FILE_CHECK_PERIOD.toMillis();
    control.scheduleWithFixedDelay(this::checkTlsFiles, check, check, TimeUnit.MILLISECONDS);
    long period = WATCH_PERIOD.toMillis();
    control.scheduleWithFixedDelay(
        () -> reloads.checkWatchedFile(graph.config().watch()),
        period,
        period,
        TimeUnit.MILLISECONDS);
  }

  /**
   * Listens on {@code path} for a new process taking over (see {@link SocketHandover}); {@code
   * onHandedOver} runs once this process stopped accepting for it, and should start the drain
   * ({@link #stop}).
   */
  public void listenForTakeover(Path path, Runnable onHandedOver) throws StartException {
    this.onHandedOver = onHandedOver;
    try {
      handover =
          SocketHandover.listen(
              path,
              new SocketHandover.Source() {
                @Override
                public List<io.netty.channel.Channel> listeningSockets() {
                  List<io.netty.channel.Channel> all = new ArrayList<>();
                  graph
                      .listeners()
                      .values()
                      .forEach(l -> all.addAll(l.listener().listeningSockets()));
                  return all;
                }

                @Override
                public void handOver() {
                  handOverToSuccessor();
                }
              });
      log.info("control socket on {}", path);
    } catch (IOException e) {
      throw new StartException(e.getMessage(), e);
    }
  }

  /**
   * A new process accepts on our sockets now: stop accepting (never close them) and drain.
   * Synchronized with reloads, so none binds or resumes a socket after this.
   */
  private synchronized void handOverToSuccessor() {
    handedOver = true;
    stopping = true;
    graph.listeners().values().forEach(l -> l.listener().stopAccepting());
    AdminServer closing = admin;
    if (closing != null) {
      // The successor binds the admin address once this answers; the drain shows in the log.
      closing.close();
      log.info("admin API closed for the successor");
    }
    log.info("handed the listening sockets over; draining {} connections", openConnections());
    Thread stopper = new Thread(onHandedOver, "sluice-handover-stop");
    stopper.setDaemon(true);
    stopper.start();
  }

  /** After a takeover: the old process freed the admin address. A failure is logged only. */
  void startAdminAfterTakeover() {
    try {
      startAdmin(graph.config());
    } catch (StartException e) {
      log.error("no admin API: {}", e.getMessage());
    }
  }

  private void startAdmin(Config config) throws StartException {
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
  public RunningConfig runningConfig() {
    return running;
  }

  @Override
  public boolean ready() {
    SelfProbe probe = selfProbe;
    return !stopping
        && (!graph.listeners().isEmpty() || !udpListeners.isEmpty())
        && (probe == null || probe.allPassing());
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

  /**
   * Picks up changed certificate, key and ticket-key files of every TLS listener now, rather than
   * at the next periodic check. Never call it on an event loop: it reads files.
   */
  public void checkTlsFiles() {
    for (LiveListener listener : graph.listeners().values()) {
      if (listener.tls() != null) {
        listener.tls().checkFiles();
      }
    }
  }

  /**
   * Fetches the stapled OCSP response of every TLS listener's certificates again now, rather than
   * at their scheduled refresh: after a certificate is known to be revoked, or in tests.
   */
  public void refreshOcsp() {
    for (LiveListener listener : graph.listeners().values()) {
      if (listener.tls() != null) {
        listener.tls().refreshOcsp();
      }
    }
  }

  /** A TLS listener's handshake figures and signer; {@code null} for a plain listener. */
  public TlsStats tlsStats(String listener) {
    LiveListener live = graph.listeners().get(listener);
    return live == null || live.tls() == null ? null : live.tls().stats();
  }

  /**
   * The budget of buffer memory: as configured, or three quarters of the JVM's direct-memory limit.
   * A budget above that limit could never be reached before the JVM threw {@link OutOfMemoryError},
   * so it is lowered to the limit with a warning.
   */
  static BufferMemory bufferMemory(Config config) {
    long limit = DirectMemory.limit();
    long budget = config.bufferMemory().budgetBytes(limit);
    if (budget > limit) {
      log.warn(
          "buffer_memory.budget {} bytes is above the JVM's direct-memory limit {} bytes"
              + " (-XX:MaxDirectMemorySize); using the limit",
          budget,
          limit);
      budget = limit;
    }
    long reserve = config.bufferMemory().reserveBytes(budget);
    if (reserve >= budget) {
      // Only after the budget was lowered to the limit: keep half for new work.
      reserve = budget / 2;
    }
    log.info("buffer memory: budget {} bytes, {} kept in reserve", budget, reserve);
    return new BufferMemory(budget, reserve, DirectMemory::used);
  }

  /**
   * Sets a server's operator state without a reload: {@code DRAIN} and {@code MAINT} take it out of
   * rotation at once and end no connection; {@code UP} brings it back.
   *
   * @return false when there is no such pool or server
   */
  public boolean setServerState(String poolName, String serverName, ServerState state) {
    Pool pool = graph.pools().get(poolName);
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
    Pool pool = graph.pools().get(poolName);
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
    SpanExporter exporter = spans;
    LiveViews.Rest rest =
        new LiveViews.Rest(
            watchdog == null ? new double[0] : watchdog.lagMillis(),
            watchdog == null ? new long[0] : watchdog.stalls(),
            loopStallMillis,
            new LiveView.AccessLogLoad(
                accessLog.written(), accessLog.dropped(), accessLog.queued()),
            udpLoads(),
            datagramBuffers == null
                ? null
                : new LiveView.UdpBuffersLoad(
                    datagramBuffers.total(),
                    datagramBuffers.inUse(),
                    datagramBuffers.reserve(),
                    datagramBuffers.bufferBytes()),
            fleet.view(),
            discovery.views(),
            exporter == null
                ? null
                : new LiveView.SpansLoad(exporter.exported(), exporter.dropped()),
            new LiveView.PipesLoad(shared.pipes().inUse(), shared.pipes().max()));
    return LiveViews.of(
        graph,
        admission,
        loopLoad,
        selfProbe,
        rest,
        new LiveView.Lifecycle(reloads.applied(), reloads.refused(), stopping, 0));
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
    return udp != null
        ? udp.boundAddresses()
        : graph.listeners().get(listener).listener().boundAddresses();
  }

  /** As {@link #boundAddresses}, as text: {@code 127.0.0.1:8080}, {@code unix:/run/s.sock}. */
  public List<String> boundAddressTexts(String listener) {
    List<String> texts = new ArrayList<>();
    boundAddresses(listener).forEach(a -> texts.add(SocketAddresses.format(a)));
    return texts;
  }

  public RelayStats stats(String listener) {
    LiveListener live = graph.listeners().get(listener);
    return live == null ? null : live.relay();
  }

  /** The figures of an {@code http} or {@code https} listener, or {@code null}. */
  public HttpStats httpStats(String listener) {
    LiveListener live = graph.listeners().get(listener);
    return live == null ? null : live.http();
  }

  public Pool pool(String name) {
    return graph.pools().get(name);
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
    SystemdNotifier systemd = notifier;
    if (systemd != null) {
      systemd.stopping();
    }
    SelfProbe probe = selfProbe;
    if (probe != null) {
      // Closing listeners would fail every probe; readiness already says no.
      probe.close();
    }
    if (handover != null) {
      handover.close();
    }
    for (LiveListener listener : graph.listeners().values()) {
      if (handedOver) {
        // The successor accepts on these sockets. Closing would delete the unix socket files it
        // now serves; our references to the sockets are released at exit.
        listener.listener().stopAccepting();
      } else {
        listener.listener().close();
      }
    }
    // A datagram flow has no end of its own to wait for: flows end (KD) as the sockets close.
    udpListeners.values().forEach(UdpListener::close);
    log.info("stopped accepting; draining {} connections for up to {}", openConnections(), timeout);
    connections.forEach(HttpDrain::drain);
    long deadline = System.nanoTime() + timeout.toNanos();
    long nextReport = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
    while (openConnections() > 0 && System.nanoTime() < deadline) {
      sleepQuietly(20);
      if (System.nanoTime() >= nextReport && openConnections() > 0) {
        log.info("draining: {} connections left", openConnections());
        nextReport += TimeUnit.SECONDS.toNanos(1);
      }
    }
    log.info("drain ended: {} connections left", openConnections());
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
    fleet.close();
    control.shutdownNow();
    // A reload in progress finishes before the contexts it builds are released.
    awaitQuietly(control);
    discovery.close();
    if (admin != null) {
      admin.close();
    }
    SelfProbe probe = selfProbe;
    if (probe != null) {
      probe.close();
    }
    if (watchdog != null) {
      watchdog.close();
    }
    SystemdNotifier systemd = notifier;
    if (systemd != null) {
      systemd.close();
    }
    health.close();
    udpListeners.values().forEach(UdpListener::close);
    loops.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
    graph.listeners().values().stream().filter(l -> l.tls() != null).forEach(l -> l.tls().close());
    graph.serverTls().values().forEach(ServerTlsBridge::close);
    if (ownsSigningPool && signingPool != null) {
      signingPool.close();
    }
    accessLog.close();
    SpanExporter exporter = spans;
    if (exporter != null) {
      exporter.close();
    }
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

  /** The configured drain timeout, as the running configuration says now. */
  public Duration drainTimeout() {
    return graph.config().drainTimeout();
  }

  /** Stops with the configured drain timeout. */
  @Override
  public void close() {
    stop(graph.config().drainTimeout());
  }
}
