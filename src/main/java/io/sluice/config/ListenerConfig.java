package io.sluice.config;

import java.time.Duration;
import java.util.List;

/**
 * One listener: the addresses it binds and what it does with each accepted connection.
 *
 * @param name unique among listeners; appears in logs and metrics
 * @param bind addresses to listen on: {@code host:port}, {@code [v6]:port}, {@code :port} (all
 *     addresses), {@code unix:/path} or {@code unix:@name} (Linux abstract namespace)
 * @param protocol what the listener speaks
 * @param pool the pool that receives this listener's connections (L4 listeners)
 * @param acceptProxy expect a PROXY protocol v1 or v2 header first; the address it carries then
 *     stands for the client everywhere (logs, hashing, limits)
 * @param backlog the kernel accept queue length
 * @param reusePort bind one socket per event loop with SO_REUSEPORT (Linux, inet addresses) and let
 *     the kernel's hash spread connections; off by default: one acceptor places each connection on
 *     the event loop with the fewest, which the measurements in the README show is far more even
 *     below a thousand connections
 * @param maxConnections connections open at once on this listener; more wait in the kernel backlog
 * @param timeouts idle and header timeouts
 * @param acceptRate new connections accepted per second across every event loop; the excess waits
 *     in the kernel backlog. Absent: no limit
 * @param acceptBurst connections accepted at once after a quiet spell, above the steady rate
 * @param acceptRateScope {@code cluster}: {@code accept_rate} is the fleet's total, shared through
 *     the {@code cluster} Redis by leases of tokens; {@code local} (default): this instance's own
 *     limit
 * @param tls TLS termination, for {@code tls} and {@code https} listeners
 * @param sniRoutes {@code tcp} listeners: pools chosen by the server name in the client's TLS
 *     ClientHello, read without terminating TLS (passthrough); {@code pool} takes the rest
 * @param http {@code http} and {@code https} listeners: request limits, timeouts, the overload
 *     answer, identity headers
 * @param routes {@code http} and {@code https} listeners: requests to pools by host, path, method
 *     and header, first match wins; {@code pool} takes the rest, and without it they get 404
 * @param udp {@code udp} listeners: flows, their affinity, limits and rates; defaults for a udp
 *     listener, null for the others so that a stray block is reported
 * @param splice {@code tcp} listeners: whether bulk transfers move with splice(2) between the two
 *     sockets, never through Sluice's memory; {@code auto} by default on a tcp listener, null for
 *     the others so that a stray key is reported
 */
public record ListenerConfig(
    String name,
    List<String> bind,
    Protocol protocol,
    String pool,
    Boolean acceptProxy,
    Integer backlog,
    Boolean reusePort,
    Integer maxConnections,
    ListenerTimeouts timeouts,
    Rate acceptRate,
    Integer acceptBurst,
    Scope acceptRateScope,
    TlsConfig tls,
    List<SniRoute> sniRoutes,
    HttpConfig http,
    List<RouteConfig> routes,
    UdpConfig udp,
    SpliceMode splice) {

  /**
   * 4096: deep enough to hold a second of a 4k/s connection storm while admission delays it; the
   * kernel caps it at net.core.somaxconn.
   */
  public static final int DEFAULT_BACKLOG = 4096;

  /** 10,000: under the common 20k open-files limit with a backend socket per client. */
  public static final int DEFAULT_MAX_CONNECTIONS = 10_000;

  public ListenerConfig {
    bind = bind == null ? List.of() : List.copyOf(bind);
    protocol = protocol == null ? Protocol.TCP : protocol;
    acceptProxy = acceptProxy != null && acceptProxy;
    backlog = backlog == null ? DEFAULT_BACKLOG : backlog;
    reusePort = reusePort != null && reusePort;
    maxConnections = maxConnections == null ? DEFAULT_MAX_CONNECTIONS : maxConnections;
    timeouts = timeouts == null ? ListenerTimeouts.DEFAULT : timeouts;
    acceptBurst = acceptBurst == null ? defaultBurst(acceptRate) : acceptBurst;
    acceptRateScope = acceptRateScope == null ? Scope.LOCAL : acceptRateScope;
    sniRoutes = sniRoutes == null ? List.of() : List.copyOf(sniRoutes);
    udp = udp == null && protocol == Protocol.UDP ? UdpConfig.DEFAULT : udp;
    http = http == null ? HttpConfig.DEFAULT : http;
    routes = routes == null ? List.of() : List.copyOf(routes);
    splice = splice == null && protocol == Protocol.TCP ? SpliceMode.AUTO : splice;
  }

  /** Whether this listener speaks HTTP to its clients. */
  public boolean isHttp() {
    return protocol == Protocol.HTTP || protocol == Protocol.HTTPS;
  }

  /**
   * Server names, exact or {@code *.example.com}, sent to one pool.
   *
   * @param names the names this route matches
   * @param pool the pool their connections go to
   */
  public record SniRoute(List<String> names, String pool) {
    public SniRoute {
      names = names == null ? List.of() : List.copyOf(names);
    }
  }

  /**
   * A tenth of a second's worth of the rate, at least 1: a burst that large passes at once, and
   * anything beyond it is spread at the steady rate.
   */
  private static int defaultBurst(Rate rate) {
    return rate == null ? 1 : (int) Math.max(1, Math.min(Integer.MAX_VALUE, rate.perSecond() / 10));
  }

  /** Timeouts that apply to a listener's connections. */
  public record ListenerTimeouts(Duration idle, Duration proxyHeader) {
    /**
     * Idle: 5 minutes without progress either way. SSH and SIP-over-TCP sessions sit silent for
     * minutes between keep-alives; shorter values cut them.
     */
    public static final Duration DEFAULT_IDLE = Duration.ofMinutes(5);

    /** A PROXY header arrives with the first packet; 5 s is generous and bounds a silent client. */
    public static final Duration DEFAULT_PROXY_HEADER = Duration.ofSeconds(5);

    public static final ListenerTimeouts DEFAULT = new ListenerTimeouts(null, null);

    public ListenerTimeouts {
      idle = idle == null ? DEFAULT_IDLE : idle;
      proxyHeader = proxyHeader == null ? DEFAULT_PROXY_HEADER : proxyHeader;
    }
  }
}
