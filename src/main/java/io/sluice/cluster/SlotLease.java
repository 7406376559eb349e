package io.sluice.cluster;

import io.sluice.pool.Pool;
import io.sluice.pool.Server;
import java.util.List;

/**
 * Keeps one server's {@link Server#localLimit} at this instance's lease of the server's fleet-wide
 * {@code max_connections}.
 *
 * <p>Each renewal asks for the connections open here plus headroom for the next interval (twice the
 * connections opened in the last one, at least one); Redis grants what the other instances' leases
 * and open connections leave free, at most a fair share while wants exceed the limit, so the
 * fleet's total stays within the limit. (After Redis lost its data, instances that renew first may
 * be granted slots that others' open connections still use, until those end.) A lease lives ten
 * intervals, so a dead instance's slots return within a second at the default interval.
 *
 * <p>Threads: the fleet thread only.
 */
final class SlotLease {
  private final Pool pool;
  private final Server server;
  private final String key;
  private final long lifetimeMillis;
  private long lastTotal;

  SlotLease(Pool pool, Server server, String key, long intervalMillis) {
    this.pool = pool;
    this.server = server;
    this.key = key;
    this.lifetimeMillis = Math.max(1000, intervalMillis * 10);
  }

  void renew(RedisLink redis, String instance) {
    long total = server.totalConnections();
    long opened = Math.max(0, total - lastTotal);
    lastTotal = total;
    long want =
        Math.min(server.configuredMaxConnections(), server.active() + Math.max(1, 2 * opened));
    long granted =
        Fleet.number(
            redis.eval(
                Scripts.SLOT_LEASE,
                List.of(key),
                List.of(
                    instance,
                    Long.toString(want),
                    Integer.toString(server.configuredMaxConnections()),
                    Long.toString(lifetimeMillis),
                    Integer.toString(server.active()))));
    apply((int) Math.min(Integer.MAX_VALUE, granted));
  }

  /**
   * The local share: the fleet's limit divided among {@code instances}, at least one slot so every
   * instance can still reach the server.
   */
  void useLocalShare(int instances) {
    apply(Math.max(1, server.configuredMaxConnections() / Math.max(1, instances)));
  }

  private void apply(int limit) {
    int before = server.localLimit();
    server.localLimit(limit);
    if (limit > before) {
      pool.offerRoomToQueue();
    }
  }
}
