package io.sluice.config;

import java.time.Duration;
import java.util.List;

/**
 * A named group of servers and how connections are spread over them.
 *
 * @param name unique among pools
 * @param balance the algorithm choosing a server
 * @param servers the servers, at least one
 * @param timeouts connect timeout towards servers
 * @param hashBalanceFactor for {@code source_hash}: how far above the average load, in percent, a
 *     server may go before its clients spill over to the next server on the ring
 * @param queue where connections wait when every server is at its limit
 * @param retry when a failed connect is tried on another server
 * @param health active checks
 * @param outlier passive ejection of servers whose live connections fail
 * @param slowStart how long a server coming back up takes to ramp from a tenth of its weight to all
 *     of it; 0 turns slow start off
 * @param http how L7 listeners talk to the servers
 * @param tls TLS towards the servers; absent: plain TCP
 * @param scope {@code cluster}: the servers' {@code max_connections} are fleet totals, leased
 *     through the {@code cluster} Redis, and {@code least_conn} and {@code p2c} count the whole
 *     fleet's connections; {@code local} (default): this instance's own
 * @param resolveInterval for {@code dns} and {@code dns_srv} servers: the longest time between two
 *     resolutions of a name; absent: the top-level {@code dns} block's
 * @param resolveMinInterval the shortest time between two resolutions; absent: the {@code dns}
 *     block's
 * @param maxAddresses the most servers one DNS entry may give; absent: the {@code dns} block's
 */
public record PoolConfig(
    String name,
    Balance balance,
    List<ServerConfig> servers,
    PoolTimeouts timeouts,
    Integer hashBalanceFactor,
    QueueConfig queue,
    RetryConfig retry,
    HealthConfig health,
    OutlierConfig outlier,
    Duration slowStart,
    PoolHttpConfig http,
    UpstreamTlsConfig tls,
    Scope scope,
    Duration resolveInterval,
    Duration resolveMinInterval,
    Integer maxAddresses) {

  /**
   * 125%: the bound of consistent hashing with bounded loads that keeps most clients on their
   * server while no server carries more than a quarter above the average.
   */
  public static final int DEFAULT_HASH_BALANCE_FACTOR = 125;

  public PoolConfig {
    balance = balance == null ? Balance.ROUND_ROBIN : balance;
    servers = servers == null ? List.of() : List.copyOf(servers);
    timeouts = timeouts == null ? PoolTimeouts.DEFAULT : timeouts;
    hashBalanceFactor = hashBalanceFactor == null ? DEFAULT_HASH_BALANCE_FACTOR : hashBalanceFactor;
    queue = queue == null ? QueueConfig.DEFAULT : queue;
    retry = retry == null ? RetryConfig.DEFAULT : retry;
    health = health == null ? HealthConfig.NONE : health;
    outlier = outlier == null ? OutlierConfig.DEFAULT : outlier;
    slowStart = slowStart == null ? Duration.ZERO : slowStart;
    http = http == null ? PoolHttpConfig.DEFAULT : http;
    scope = scope == null ? Scope.LOCAL : scope;
  }

  /** Whether any server entry is resolved through DNS. */
  public boolean resolvesByDns() {
    return servers.stream().anyMatch(ServerConfig::resolvesByDns);
  }

  /** This pool with {@code resolved} as its servers, every other setting as it is. */
  public PoolConfig withServers(List<ServerConfig> resolved) {
    return new PoolConfig(
        name,
        balance,
        resolved,
        timeouts,
        hashBalanceFactor,
        queue,
        retry,
        health,
        outlier,
        slowStart,
        http,
        tls,
        scope,
        resolveInterval,
        resolveMinInterval,
        maxAddresses);
  }

  /** Whether connections to this pool's servers use TLS. */
  public boolean tlsEnabled() {
    return tls != null && tls.enabled();
  }

  /**
   * The pool's queue.
   *
   * @param max connections waiting at once; beyond it new ones are refused at once ({@code RQ})
   * @param timeout how long one may wait before it is refused ({@code sQ})
   * @param target CoDel: how long one may wait while the queue stands (has not been empty for an
   *     interval)
   * @param interval CoDel: how long the queue must stay non-empty before it counts as standing
   * @param lifoUnderCongestion serve the newest waiter first while the queue stands
   */
  public record QueueConfig(
      Integer max,
      Duration timeout,
      Duration target,
      Duration interval,
      Boolean lifoUnderCongestion) {
    /** 1,024: a short queue that absorbs a burst without hiding an overload. */
    public static final int DEFAULT_MAX = 1_024;

    /**
     * 500 ms: a client retrying after a refusal costs less than one that waited seconds and failed
     * anyway; queues that wait long build up and never drain.
     */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMillis(500);

    /**
     * 100 ms, CoDel's interval: longer than a burst takes to drain, short enough that a queue
     * standing for good is noticed before clients give up.
     */
    public static final Duration DEFAULT_INTERVAL = Duration.ofMillis(100);

    public static final QueueConfig DEFAULT = new QueueConfig(null, null, null, null, null);

    public QueueConfig(Integer max, Duration timeout) {
      this(max, timeout, null, null, null);
    }

    public QueueConfig {
      max = max == null ? DEFAULT_MAX : max;
      timeout = timeout == null ? DEFAULT_TIMEOUT : timeout;
      // CoDel's rule is opt-in: by default the target is the timeout, so a queued connection may
      // wait the whole timeout, as an HAProxy user's `timeout queue` promises, and a storm of SSH
      // or discovery clients is delayed, not cut off after a few milliseconds. 5 ms is RFC 8289's
      // recommendation for services whose clients retry at once.
      target = target == null ? timeout : target;
      interval = interval == null ? DEFAULT_INTERVAL : interval;
      lifoUnderCongestion = lifoUnderCongestion != null && lifoUnderCongestion;
    }
  }

  /**
   * Retries of failed connects on another server.
   *
   * @param attempts retries after the first attempt, each on a different server where possible
   * @param budget retries allowed as a share of the pool's requests over the last ten seconds
   * @param minPerSecond retries always allowed per second, so a quiet pool can retry at all
   * @param maxBody L7: the largest request body kept so the request can be replayed on another
   *     server; a longer one is streamed and not replayed
   * @param nonIdempotent L7: replay POST, PATCH and other non-idempotent requests even after they
   *     may have reached the application (a server marked them full, or reset the connection)
   */
  public record RetryConfig(
      Integer attempts,
      Percent budget,
      Integer minPerSecond,
      DataSize maxBody,
      Boolean nonIdempotent) {
    /**
     * Two: a refused or timed-out connect is tried on two more servers before the client sees it.
     */
    public static final int DEFAULT_ATTEMPTS = 2;

    /** 20%: in an outage retries add at most a fifth to the load, never multiply it. */
    public static final Percent DEFAULT_BUDGET = new Percent(20);

    public static final int DEFAULT_MIN_PER_SECOND = 10;

    /** 64 KiB: announces and API calls fit; uploads stream without being kept. */
    public static final DataSize DEFAULT_MAX_BODY = new DataSize(64 * 1024);

    public static final RetryConfig DEFAULT = new RetryConfig(null, null, null, null, null);

    public RetryConfig {
      attempts = attempts == null ? DEFAULT_ATTEMPTS : attempts;
      budget = budget == null ? DEFAULT_BUDGET : budget;
      minPerSecond = minPerSecond == null ? DEFAULT_MIN_PER_SECOND : minPerSecond;
      maxBody = maxBody == null ? DEFAULT_MAX_BODY : maxBody;
      nonIdempotent = nonIdempotent != null && nonIdempotent;
    }
  }

  /**
   * Timeouts towards this pool's servers.
   *
   * @param connect from the connect call to the established connection
   * @param response L7: from the request sent to the response's head, and between two pieces of the
   *     response body
   */
  public record PoolTimeouts(Duration connect, Duration response) {
    /**
     * One second: a server on the same network answers a SYN in well under a millisecond; a server
     * that has not answered in a second is better retried elsewhere.
     */
    public static final Duration DEFAULT_CONNECT = Duration.ofSeconds(1);

    /** 30 s: an application that has not answered in half a minute is not going to. */
    public static final Duration DEFAULT_RESPONSE = Duration.ofSeconds(30);

    public static final PoolTimeouts DEFAULT = new PoolTimeouts(null, null);

    public PoolTimeouts {
      connect = connect == null ? DEFAULT_CONNECT : connect;
      response = response == null ? DEFAULT_RESPONSE : response;
    }
  }
}
