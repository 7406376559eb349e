package io.sluice.cluster;

import io.sluice.observe.LiveView;
import io.sluice.pool.Pool;
import io.sluice.pool.Server;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The fleet's load figures: this instance publishes the connections it holds to each server into a
 * hash of its own that expires unless published again, so a dead instance's figures vanish by
 * themselves; it reads the other live instances' hashes and sets each server of a {@code scope:
 * cluster} pool's {@link Server#remoteActive} to their sum, which balancers read with no call to
 * Redis.
 *
 * <p>Threads: the fleet thread writes; {@link #instances} is read by the admin thread through a
 * volatile reference to an immutable list.
 */
final class FleetLoad {
  /** Separates pool and server in a hash field; neither a pool name nor an address holds a tab. */
  private static final char SEPARATOR = '\t';

  private static final String SEEN = "@seen";
  private static final String CONNECTIONS = "@connections";

  private final String instance;
  private final String instancesKey;
  private final String prefix;
  private final List<Pool> pools;
  private final List<Pool> fleetCounted;
  private volatile List<LiveView.InstanceLoad> instances = List.of();

  FleetLoad(String instance, String prefix, List<Pool> pools, List<Pool> fleetCounted) {
    this.instance = instance;
    this.prefix = prefix;
    this.instancesKey = prefix + ":instances";
    this.pools = List.copyOf(pools);
    this.fleetCounted = List.copyOf(fleetCounted);
  }

  /** Publishes this instance's figures, then reads the other live instances' figures. */
  void sync(RedisLink redis, long expiryMillis) {
    List<String> args = new ArrayList<>();
    args.add(instance);
    args.add(Long.toString(expiryMillis));
    long connections = 0;
    for (Pool pool : pools) {
      for (Server server : pool.servers()) {
        args.add(pool.name() + SEPARATOR + server.name());
        args.add(Integer.toString(server.active()));
        connections += server.active();
      }
    }
    args.add(CONNECTIONS);
    args.add(Long.toString(connections));
    Object reply = redis.eval(Scripts.PUBLISH_LOAD, List.of(instancesKey, loadKey(instance)), args);
    List<?> seen = (List<?>) reply;
    long now = Long.parseLong(Fleet.text(seen.get(0)));
    List<String> names = new ArrayList<>();
    List<Long> lastSeen = new ArrayList<>();
    for (int i = 1; i + 1 < seen.size(); i += 2) {
      names.add(Fleet.text(seen.get(i)));
      lastSeen.add((long) Double.parseDouble(Fleet.text(seen.get(i + 1))));
    }
    List<String> keys = new ArrayList<>();
    for (String name : names) {
      keys.add(loadKey(name));
    }
    List<Map<String, String>> figures = redis.hashes(keys);
    Map<String, Integer> remote = new HashMap<>();
    List<LiveView.InstanceLoad> alive = new ArrayList<>();
    for (int i = 0; i < names.size(); i++) {
      Map<String, String> hash = figures.get(i);
      boolean self = names.get(i).equals(instance);
      if (hash.isEmpty() && !self) {
        continue;
      }
      alive.add(
          new LiveView.InstanceLoad(
              names.get(i),
              lastSeen.get(i),
              Math.max(0, now - lastSeen.get(i)),
              parse(hash.get(CONNECTIONS)),
              self));
      if (!self) {
        hash.forEach(
            (field, value) -> {
              if (field.indexOf(SEPARATOR) > 0) {
                remote.merge(field, (int) parse(value), Integer::sum);
              }
            });
      }
    }
    for (Pool pool : fleetCounted) {
      for (Server server : pool.servers()) {
        server.remoteActive(remote.getOrDefault(pool.name() + SEPARATOR + server.name(), 0));
      }
    }
    instances = List.copyOf(alive);
  }

  /** Balancers count this instance's connections alone while the fleet's figures are unknown. */
  void forgetRemote() {
    for (Pool pool : fleetCounted) {
      for (Server server : pool.servers()) {
        server.remoteActive(0);
      }
    }
  }

  /** Removes this instance's figures at a clean stop, so the others stop counting it at once. */
  void leave(RedisLink redis) {
    redis.eval(
        "redis.call('DEL', KEYS[2]) redis.call('ZREM', KEYS[1], ARGV[1]) return 1",
        List.of(instancesKey, loadKey(instance)),
        List.of(instance));
  }

  /** The instances alive at the last read, this one included. */
  List<LiveView.InstanceLoad> instances() {
    return instances;
  }

  /** How many instances share the fleet's limits, by the last read: at least this one. */
  int aliveCount() {
    return Math.max(1, instances.size());
  }

  private String loadKey(String name) {
    return prefix + ":load:" + name;
  }

  private static long parse(String value) {
    if (value == null) {
      return 0;
    }
    try {
      return Long.parseLong(value);
    } catch (NumberFormatException e) {
      return 0;
    }
  }
}
