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
 * @param listeners one entry per listener
 * @param pools one entry per pool
 * @param lifecycle reloads so far, and the drain in progress
 */
public record LiveView(
    int connections,
    int maxConnections,
    int[] loopConnections,
    List<ListenerLoad> listeners,
    List<PoolLoad> pools,
    Lifecycle lifecycle) {

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
      HttpLoad http) {}

  /**
   * An HTTP listener's requests since start.
   *
   * @param responses responses sent by status class: index 1 for 1xx to 5 for 5xx
   * @param overloadAnswers requests answered at once with the overload status
   * @param retries requests sent again to another server
   * @param fullReplays of those, the ones a server refused as full
   * @param rejected requests refused as malformed or over a limit
   */
  public record HttpLoad(
      long[] responses, long overloadAnswers, long retries, long fullReplays, long rejected) {}

  /**
   * @param signer who signs full handshakes: {@code aws_lc}, {@code boringssl} or {@code jdk}
   * @param fullHandshakes handshakes that computed a signature, since start
   * @param resumedHandshakes handshakes that resumed a session from a ticket or the cache
   * @param failedHandshakes handshakes that failed, timed out or were abandoned by the client
   * @param shedHandshakes full handshakes refused because the signing queue was full
   */
  public record TlsLoad(
      String signer,
      long fullHandshakes,
      long resumedHandshakes,
      long failedHandshakes,
      long shedHandshakes) {}

  /**
   * @param queued connections waiting for a server slot now
   * @param retries connects retried on another server since start
   * @param retriesLeft retries the budget still allows in its current window
   */
  public record PoolLoad(
      String name,
      int queued,
      int queueMax,
      long retries,
      long retriesLeft,
      List<ServerLoad> servers) {}

  /**
   * @param state {@code up}, {@code down}, {@code drain} or {@code maint}
   * @param maxConnections the server's limit, 0 for none
   * @param weight the weight in use now (lower while ramping up after coming back)
   * @param latencyMillis the averaged connect and check latency, 0 when not measured yet
   * @param ejected whether outlier detection has taken it out for now
   */
  public record ServerLoad(
      String name,
      String state,
      int active,
      int maxConnections,
      int weight,
      long total,
      double latencyMillis,
      boolean ejected) {}

  /** Connections ended per termination code, only the non-zero ones. */
  public record TerminationCounts(java.util.Map<String, Long> byCode) {}
}
