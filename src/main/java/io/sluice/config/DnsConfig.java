package io.sluice.config;

import java.time.Duration;
import java.util.List;

/**
 * How the {@code dns} and {@code dns_srv} entries of pools are resolved.
 *
 * @param servers name servers asked, in order ({@code ip:port}); empty: those of the system's
 *     {@code /etc/resolv.conf}, with its search list and {@code ndots}
 * @param timeout how long one query may wait for its answer before the next name server is asked
 *     (and, past the last, the resolution counts as timed out)
 * @param resolveInterval the longest time between two resolutions of a name; a record's shorter TTL
 *     brings the next one forward
 * @param resolveMinInterval the shortest time between two resolutions of a name, whatever the TTL
 *     (Consul answers with TTL 0)
 * @param maxAddresses the most servers one entry may give; beyond it the first ones, in address
 *     order, are kept
 */
public record DnsConfig(
    List<String> servers,
    Duration timeout,
    Duration resolveInterval,
    Duration resolveMinInterval,
    Integer maxAddresses) {

  /**
   * Two seconds: a name server on the same network answers in milliseconds; a query unanswered for
   * two seconds is better asked again at the next round than waited for.
   */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(2);

  /**
   * Five seconds, as Envoy's {@code dns_refresh_rate}: a Kubernetes pod that joined a headless
   * service takes traffic within seconds, at one query per name every five seconds.
   */
  public static final Duration DEFAULT_RESOLVE_INTERVAL = Duration.ofSeconds(5);

  /**
   * One second: the floor under a TTL of 0 (Consul's default), so a name is asked at most once a
   * second.
   */
  public static final Duration DEFAULT_RESOLVE_MIN_INTERVAL = Duration.ofSeconds(1);

  /**
   * 64: more servers than most services run, and far fewer than the 4 KiB an EDNS answer can hold
   * (about 250 A records), so a runaway record set cannot fill a pool.
   */
  public static final int DEFAULT_MAX_ADDRESSES = 64;

  public static final DnsConfig DEFAULT = new DnsConfig(null, null, null, null, null);

  public DnsConfig {
    servers = servers == null ? List.of() : List.copyOf(servers);
    timeout = timeout == null ? DEFAULT_TIMEOUT : timeout;
    resolveInterval = resolveInterval == null ? DEFAULT_RESOLVE_INTERVAL : resolveInterval;
    resolveMinInterval =
        resolveMinInterval == null ? DEFAULT_RESOLVE_MIN_INTERVAL : resolveMinInterval;
    maxAddresses = maxAddresses == null ? DEFAULT_MAX_ADDRESSES : maxAddresses;
  }

  /** The longest time between two resolutions of {@code pool}'s names: its own, else this one's. */
  public Duration resolveInterval(PoolConfig pool) {
    return pool.resolveInterval() != null ? pool.resolveInterval() : resolveInterval;
  }

  /** The shortest time between two resolutions of {@code pool}'s names. */
  public Duration resolveMinInterval(PoolConfig pool) {
    return pool.resolveMinInterval() != null ? pool.resolveMinInterval() : resolveMinInterval;
  }

  /** The most servers one of {@code pool}'s DNS entries may give. */
  public int maxAddresses(PoolConfig pool) {
    return pool.maxAddresses() != null ? pool.maxAddresses() : maxAddresses;
  }
}
