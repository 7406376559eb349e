package io.sluice.config;

import java.time.Duration;
import java.util.List;

/**
 * The whole configuration of one Sluice process: immutable, validated before anything starts.
 *
 * @param listeners where clients connect; each names the pool it sends connections to
 * @param pools groups of servers a listener balances over
 * @param drainTimeout how long open connections may run after a stop before they are closed
 * @param accessLog where the one line per finished connection goes
 * @param maxConnections client connections open at once across every listener; absent: derived at
 *     start from the open-files limit (two descriptors per relayed connection, and room for the
 *     pipes of spliced ones)
 * @param maxPipes pipes for splicing across every listener, two per spliced connection; absent:
 *     half of the process's connection limit when some tcp listener may splice, else none
 * @param admin the admin listener, or null for none
 * @param watchdog the event-loop watchdog's tick and stall limit
 * @param selfProbe Sluice's probes of its own listeners
 * @param udpBuffers the datagram buffers every {@code udp} listener shares
 * @param tracing spans of slow and failed HTTP requests over OTLP/HTTP, or null for none
 * @param cluster fleet mode through Redis, or null for a stand-alone instance (nothing connects)
 * @param dns how the pools' {@code dns} and {@code dns_srv} servers are resolved
 * @param watch whether the file is re-read and reloaded when it changes (default false: an editor's
 *     half-written save should not go live by itself)
 * @param bufferMemory the direct memory every connection's buffers share, and when new work is
 *     refused for want of it
 */
public record Config(
    List<ListenerConfig> listeners,
    List<PoolConfig> pools,
    Duration drainTimeout,
    AccessLogConfig accessLog,
    Integer maxConnections,
    AdminConfig admin,
    WatchdogConfig watchdog,
    SelfProbeConfig selfProbe,
    UdpBuffersConfig udpBuffers,
    ClusterConfig cluster,
    TracingConfig tracing,
    DnsConfig dns,
    Boolean watch,
    Integer maxPipes,
    BufferMemoryConfig bufferMemory) {

  /**
   * Thirty seconds: long enough for a git clone or a SIP registration in flight to finish, short
   * enough that an orchestrator's own stop timeout (often 30-60 s) does not cut it first.
   */
  public static final Duration DEFAULT_DRAIN_TIMEOUT = Duration.ofSeconds(30);

  public Config {
    listeners = listeners == null ? List.of() : List.copyOf(listeners);
    pools = pools == null ? List.of() : List.copyOf(pools);
    drainTimeout = drainTimeout == null ? DEFAULT_DRAIN_TIMEOUT : drainTimeout;
    accessLog = accessLog == null ? AccessLogConfig.DEFAULT : accessLog;
    watchdog = watchdog == null ? WatchdogConfig.DEFAULT : watchdog;
    selfProbe = selfProbe == null ? SelfProbeConfig.DEFAULT : selfProbe;
    udpBuffers = udpBuffers == null ? UdpBuffersConfig.DEFAULT : udpBuffers;
    dns = dns == null ? DnsConfig.DEFAULT : dns;
    watch = watch != null && watch;
    bufferMemory = bufferMemory == null ? BufferMemoryConfig.DEFAULT : bufferMemory;
  }

  /** This configuration with {@code resolved} pools in place of its own, in the same order. */
  public Config withPools(List<PoolConfig> resolved) {
    return new Config(
        listeners,
        resolved,
        drainTimeout,
        accessLog,
        maxConnections,
        admin,
        watchdog,
        selfProbe,
        udpBuffers,
        cluster,
        tracing,
        dns,
        watch,
        maxPipes,
        bufferMemory);
  }

  /** The pool with this name, or {@code null}. */
  public PoolConfig pool(String name) {
    for (PoolConfig pool : pools) {
      if (pool.name().equals(name)) {
        return pool;
      }
    }
    return null;
  }
}
