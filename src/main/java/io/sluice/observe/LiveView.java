package io.sluice.observe;

import java.util.List;

/**
 * How close everything is to its limits, at one moment: the read-only snapshot the admin API, the
 * dashboard and the metrics read. Built on demand by the runtime from live counters; the figures of
 * one snapshot are each exact but not taken at the same instant.
 *
 * @param connections client connections open in the process
 * @param maxConnections the process-wide limit
 * @param loopConnections open connections on each event loop, in loop order
 * @param loopLagMillis how late each loop's last watchdog tick ran (or, while it is stalled, how
 *     overdue the next one is), in loop order
 * @param loopStalls stalls the watchdog reported on each loop since start
 * @param loopStallMillis the lag past which the watchdog counts a loop as stalled
 * @param listeners one entry per listener
 * @param pools one entry per pool
 * @param accessLog the access log's lines written, dropped and waiting
 * @param udpListeners one entry per udp listener
 * @param udpBuffers the process-wide datagram buffers, {@code null} without udp listeners
 * @param bufferMemory the process-wide budget of buffer memory and its use
 * @param cluster the fleet as this instance sees it, {@code null} without {@code cluster}
 * @param spans the span exporter's figures, {@code null} without {@code tracing}
 * @param lifecycle reloads so far, and the drain in progress
 * @param pipes the pipes splicing holds across the process, against {@code max_pipes}
 */
public record LiveView(
    int connections,
    int maxConnections,
    int[] loopConnections,
    double[] loopLagMillis,
    long[] loopStalls,
    double loopStallMillis,
    List<ListenerLoad> listeners,
    List<PoolLoad> pools,
    AccessLogLoad accessLog,
    List<UdpListenerLoad> udpListeners,
    UdpBuffersLoad udpBuffers,
    BufferMemoryLoad bufferMemory,
    ClusterLoad cluster,
    SpansLoad spans,
    Lifecycle lifecycle,
    PipesLoad pipes) {

  /**
   * @param inUse pipes held by spliced connections now, two each
   * @param max {@code max_pipes}
   */
  public record PipesLoad(int inUse, int max) {}

  /**
   * A tcp listener's connections that moved to splice, since start.
   *
   * @param spliced connections whose bytes moved with splice from some point on
   * @param noPipe connections that were to be spliced but went on copying: no pipe was left
   * @param failed connections that were to be spliced but went on copying: the kernel refused
   */
  public record SpliceLoad(long spliced, long noPipe, long failed) {}

  /**
   * @param exported spans the collector accepted
   * @param dropped spans dropped: queue full, or the collector refused or did not answer
   */
  public record SpansLoad(long exported, long dropped) {}

  /**
   * @param written lines written since start
   * @param dropped lines dropped since start: the queue was full or the destination failed
   * @param queued lines waiting for the writer now
   */
  public record AccessLogLoad(long written, long dropped, int queued) {}

  /**
   * The last self-probe of a listener.
   *
   * @param ok whether it passed
   * @param millis how long it took
   * @param error why it failed, {@code null} when it passed
   * @param atEpochMillis when it ran
   * @param failures probes failed since start
   */
  public record ProbeLoad(
      boolean ok, double millis, String error, long atEpochMillis, long failures) {}

  /**
   * @param flows flows held now
   * @param maxFlows the listener's {@code max_flows}
   * @param flowsCreated flows made since start
   * @param evictions flows evicted to make room ({@code RD})
   * @param moves flows moved off a server that went down ({@code DD})
   * @param drops datagrams not relayed, by reason (every reason, zero included)
   * @param datagramsFromClients datagrams relayed from clients to servers
   * @param datagramsToClients datagrams relayed from servers back to clients
   * @param terminations flows ended, by termination code
   */
  public record UdpListenerLoad(
      String name,
      int flows,
      int maxFlows,
      long flowsCreated,
      long evictions,
      long moves,
      java.util.Map<String, Long> drops,
      long datagramsFromClients,
      long bytesFromClients,
      long datagramsToClients,
      long bytesToClients,
      TerminationCounts terminations) {}

  /**
   * @param buffers buffers preallocated in all
   * @param inUse buffers holding a datagram now
   * @param reserve buffers only replies may take
   * @param bufferBytes the size of each buffer
   */
  public record UdpBuffersLoad(int buffers, int inUse, int reserve, int bufferBytes) {}

  /**
   * @param usedBytes direct memory in use now
   * @param budgetBytes the budget
   * @param reserveBytes of the budget, what new work may not take
   * @param refusals connections and requests refused for want of memory since start
   */
  public record BufferMemoryLoad(
      long usedBytes, long budgetBytes, long reserveBytes, long refusals) {}

  /**
   * The fleet as this instance last saw it in Redis.
   *
   * @param instance this instance's name
   * @param connected whether the last Redis call succeeded; false: every fleet limit is enforced as
   *     its local share (the limit divided by the instances last seen alive)
   * @param fallbacks times this instance lost Redis and fell back to local shares
   * @param instances the instances alive at the last successful read, this one included
   * @param limits this instance's part of each fleet-wide accept rate
   */
  public record ClusterLoad(
      String instance,
      boolean connected,
      long fallbacks,
      List<InstanceLoad> instances,
      List<FleetRateLoad> limits) {}

  /**
   * @param name the instance's {@code cluster.name}
   * @param lastSeenMillis when it last published, in Redis's clock (Unix milliseconds)
   * @param ageMillis how long before this instance's last read that was
   * @param connections client connections it had open then
   * @param self whether this is the instance answering
   */
  public record InstanceLoad(
      String name, long lastSeenMillis, long ageMillis, long connections, boolean self) {}

  /**
   * @param listener the listener whose {@code accept_rate} is fleet-wide
   * @param fleetPerSecond the fleet's limit
   * @param leased true while tokens come from Redis leases, false while the local share applies
   * @param localSharePerSecond the local share while it applies, else 0
   * @param heldTokens leased tokens held here and not spent yet
   */
  public record FleetRateLoad(
      String listener,
      double fleetPerSecond,
      boolean leased,
      double localSharePerSecond,
      long heldTokens) {}

  /**
   * @param reloads reloads applied since start
   * @param failedReloads reloads refused (the file did not load, validate or bind)
   * @param draining whether the process stopped accepting and drains (a stop or a handover)
   * @param drainingServers servers a reload removed that still have connections open
   */
  public record Lifecycle(
      long reloads, long failedReloads, boolean draining, int drainingServers) {}

  /**
   * @param acceptRateLimit connections per second the listener accepts at most, 0 for no limit
   * @param accepted connections accepted since start (a rate is two snapshots apart)
   * @param paused whether new connections are being held in the kernel backlog now
   * @param tls handshake figures of a TLS listener, {@code null} on plain ones
   * @param probe the last self-probe, {@code null} before the first or with probes off
   * @param splice the listener's spliced connections, {@code null} on HTTP listeners
   */
  public record ListenerLoad(
      String name,
      int connections,
      int maxConnections,
      double acceptRateLimit,
      long accepted,
      boolean paused,
      TerminationCounts terminations,
      TlsLoad tls,
      HttpLoad http,
      ProbeLoad probe,
      SpliceLoad splice) {}

  /**
   * An HTTP listener's requests since start.
   *
   * @param responses responses sent by status class: index 1 for 1xx to 5 for 5xx
   * @param localAnswers of those, the ones Sluice wrote itself (overload, no route, errors in place
   *     of a server's answer, refused requests), by class as {@code responses}
   * @param overloadAnswers requests answered at once with the overload status
   * @param retries requests sent again to another server
   * @param fullReplays of those, the ones a server refused as full
   * @param rejected requests refused as malformed or over a limit
   */
  public record HttpLoad(
      long[] responses,
      long[] localAnswers,
      long overloadAnswers,
      long retries,
      long fullReplays,
      long rejected) {}

  /**
   * @param signer who signs full handshakes: {@code aws_lc}, {@code boringssl} or {@code jdk}
   * @param fullHandshakes handshakes that computed a signature, since start
   * @param resumedHandshakes handshakes that resumed a session from a ticket or the cache
   * @param failedHandshakes handshakes that failed, timed out or were abandoned by the client
   * @param shedHandshakes full handshakes refused because the signing queue was full
   * @param acmeOrders ACME orders since start, by result: {@code succeeded}, {@code failed}
   * @param ocspRefreshes OCSP fetches since start, by result: {@code succeeded}, {@code failed}
   * @param certificateExpiry seconds until each served certificate expires (negative once it has),
   *     by its first name; the self-signed fallback is left out
   */
  public record TlsLoad(
      String signer,
      long fullHandshakes,
      long resumedHandshakes,
      long failedHandshakes,
      long shedHandshakes,
      java.util.Map<String, Long> acmeOrders,
      java.util.Map<String, Long> ocspRefreshes,
      java.util.Map<String, Long> certificateExpiry) {}

  /**
   * @param queued connections waiting for a server slot now
   * @param retries connects retried on another server since start
   * @param retriesLeft retries the budget still allows in its current window
   * @param drainPerSecond slots the servers give back per second while connections wait, 0 before
   *     it was measured
   * @param refusedEarly connections refused at once since start because the queue would not have
   *     served them within its timeout
   * @param http whether an {@code http} or {@code https} listener sends requests to the pool, so
   *     its servers' body times, first-byte times and responses mean something
   * @param dns the pool's {@code dns} and {@code dns_srv} entries, empty when it has none
   */
  public record PoolLoad(
      String name,
      int queued,
      int queueMax,
      long retries,
      long retriesLeft,
      boolean http,
      List<ServerLoad> servers,
      double drainPerSecond,
      long refusedEarly,
      List<DnsLoad> dns) {}

  /**
   * One {@code dns} or {@code dns_srv} entry of a pool and what it resolved to.
   *
   * @param name {@code NAME:PORT} for {@code dns}, the SRV name for {@code dns_srv}
   * @param kind {@code dns} or {@code dns_srv}
   * @param addresses the last good set ({@code ip:port}), the pool's servers from this entry
   * @param lastResult the last resolution's {@code success}, {@code empty}, {@code timeout} or
   *     {@code failure}; {@code pending} before the first answer
   * @param resolved whether any resolution succeeded yet
   * @param lastSuccessAgeMillis time since the last success or, before any, since the entry began
   * @param lastError the last failure's kind and reason, {@code null} if none failed yet; kept
   *     after a recovery (see {@code lastResult})
   * @param lastErrorAgeMillis time since that failure, -1 if none
   * @param results resolutions by outcome since the entry began
   */
  public record DnsLoad(
      String name,
      String kind,
      List<String> addresses,
      String lastResult,
      boolean resolved,
      long lastSuccessAgeMillis,
      String lastError,
      long lastErrorAgeMillis,
      java.util.Map<String, Long> results) {}

  /**
   * @param state {@code up}, {@code down}, {@code drain} or {@code maint}
   * @param maxConnections the server's limit in force: configured or learned ({@code adaptive}),
   *     capped by what the server pushed back; 0 for none
   * @param weight the weight in use now (lower while ramping up after coming back)
   * @param latencyMillis the averaged connect and check latency, 0 when not measured yet
   * @param ejected whether outlier detection has taken it out for now
   * @param remoteActive in a {@code scope: cluster} pool, the connections other instances hold to
   *     the server (from their latest published figures), else 0
   * @param localLimit the limit enforced by this instance: {@code maxConnections}, or in a {@code
   *     scope: cluster} pool its lease of that fleet-wide total
   * @param learned for {@code max_connections: adaptive}, what the limit learned from, else {@code
   *     null}
   * @param timings waits, connect times and HTTP transfer times since the server was added
   * @param responses the server's HTTP responses by status class: index 1 for 1xx to 5 for 5xx, 0
   *     for a status outside 100 to 599
   */
  public record ServerLoad(
      String name,
      String state,
      int active,
      int maxConnections,
      int weight,
      long total,
      double latencyMillis,
      boolean ejected,
      int remoteActive,
      int localLimit,
      Learned learned,
      ServerTimings timings,
      long[] responses) {}

  /**
   * A server's durations, each counted into the same buckets.
   *
   * @param bucketsSeconds the buckets' upper bounds, ascending; the last bucket has none
   * @param queueWait how long connections and requests waited for a slot (0 when one was free)
   * @param connect how long new connections took to be ready (TLS included)
   * @param requestBody HTTP: first to last byte of a request body sent to the server
   * @param responseBody HTTP: first to last byte of a response body received from it
   * @param firstByte HTTP: from the request sent to the server's response head
   */
  public record ServerTimings(
      double[] bucketsSeconds,
      DurationCounts queueWait,
      DurationCounts connect,
      DurationCounts requestBody,
      DurationCounts responseBody,
      DurationCounts firstByte) {}

  /**
   * Durations counted into buckets.
   *
   * @param counts per bucket, not cumulative: one per bound of {@link
   *     ServerTimings#bucketsSeconds}, then one for durations above the last
   * @param sumSeconds the total of the durations counted
   */
  public record DurationCounts(long[] counts, double sumSeconds) {
    /** Durations counted. */
    public long count() {
      long count = 0;
      for (long bucket : counts) {
        count += bucket;
      }
      return count;
    }
  }

  /**
   * A learned limit and the round trips it learns from.
   *
   * @param limit the learned limit now (before any push-back cap)
   * @param min its floor
   * @param max its ceiling
   * @param noLoadMillis the server's round trip without load, as learned
   * @param recentMillis the short-term average round trip: the current sample
   */
  public record Learned(int limit, int min, int max, double noLoadMillis, double recentMillis) {}

  /** Connections ended per termination code, only the non-zero ones. */
  public record TerminationCounts(java.util.Map<String, Long> byCode) {}
}
