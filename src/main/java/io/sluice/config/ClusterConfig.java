package io.sluice.config;

import java.time.Duration;

/**
 * Fleet mode: several Sluice instances sharing connection-rate limits, server limits, TLS ticket
 * keys and load figures through one Redis.
 *
 * @param redis the Redis server: {@code host:port} or {@code redis://host:port}
 * @param name this instance's name in the fleet, unique among the instances; absent: {@code
 *     hostname-pid}
 * @param keyPrefix the prefix of every Redis key, so several fleets can share one Redis
 * @param syncInterval how often token and slot leases are renewed: the leases hold about twice an
 *     interval's traffic, so a shorter one keeps the fleet closer to its limits at the cost of more
 *     Redis calls
 * @param publishInterval how often this instance publishes its load; its figures expire after three
 *     intervals without a publish
 * @param timeout the longest one Redis call may take before the instance falls back to local shares
 *     of every fleet limit
 */
public record ClusterConfig(
    String redis,
    String name,
    String keyPrefix,
    Duration syncInterval,
    Duration publishInterval,
    Duration timeout) {

  /**
   * 100 ms: ten lease renewals a second per limit, a few hundred Redis calls a second for a fleet
   * of ten, while a lease (two intervals of traffic) stays small next to a second's limit.
   */
  public static final Duration DEFAULT_SYNC_INTERVAL = Duration.ofMillis(100);

  /**
   * 500 ms: balancers see the fleet's counts within a second; a dead instance vanishes in 1.5 s.
   */
  public static final Duration DEFAULT_PUBLISH_INTERVAL = Duration.ofMillis(500);

  /**
   * 250 ms: a Redis on the same network answers in well under a millisecond, so a call this slow
   * means trouble, and two of them still leave the fallback within a second.
   */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofMillis(250);

  public static final String DEFAULT_KEY_PREFIX = "sluice";

  public ClusterConfig {
    keyPrefix = keyPrefix == null ? DEFAULT_KEY_PREFIX : keyPrefix;
    syncInterval = syncInterval == null ? DEFAULT_SYNC_INTERVAL : syncInterval;
    publishInterval = publishInterval == null ? DEFAULT_PUBLISH_INTERVAL : publishInterval;
    timeout = timeout == null ? DEFAULT_TIMEOUT : timeout;
  }

  /** The Redis address without its optional {@code redis://} scheme. */
  public String redisAddress() {
    return redis != null && redis.startsWith("redis://")
        ? redis.substring("redis://".length())
        : redis;
  }
}
