package io.sluice.runtime;

import io.sluice.config.Config;
import io.sluice.config.ListenerConfig;
import io.sluice.config.PoolConfig;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * What a reload changes: pools and listeners added, removed or changed, compared by name and then
 * by value (configurations are records). Settings that only a restart applies are named in {@link
 * #needRestart}.
 *
 * @param listenersToRebuild listeners whose new connections need a new context: the changed ones
 *     and those that send to a changed pool
 */
record ConfigDiff(
    Set<String> addedPools,
    Set<String> removedPools,
    Set<String> changedPools,
    Set<String> addedListeners,
    Set<String> removedListeners,
    Set<String> changedListeners,
    Set<String> listenersToRebuild,
    List<String> needRestart) {

  static ConfigDiff between(Config before, Config after) {
    Set<String> addedPools = new LinkedHashSet<>();
    Set<String> changedPools = new LinkedHashSet<>();
    Set<String> removedPools = new LinkedHashSet<>();
    for (PoolConfig pool : after.pools()) {
      PoolConfig old = before.pool(pool.name());
      if (old == null) {
        addedPools.add(pool.name());
      } else if (!old.equals(pool)) {
        changedPools.add(pool.name());
      }
    }
    before.pools().stream()
        .filter(p -> after.pool(p.name()) == null)
        .forEach(p -> removedPools.add(p.name()));

    Set<String> addedListeners = new LinkedHashSet<>();
    Set<String> changedListeners = new LinkedHashSet<>();
    Set<String> removedListeners = new LinkedHashSet<>();
    Set<String> rebuild = new LinkedHashSet<>();
    for (ListenerConfig listener : after.listeners()) {
      ListenerConfig old = listener(before, listener.name());
      if (old == null) {
        addedListeners.add(listener.name());
      } else if (!old.equals(listener)) {
        changedListeners.add(listener.name());
        rebuild.add(listener.name());
      } else if (poolsOf(listener).stream().anyMatch(changedPools::contains)) {
        rebuild.add(listener.name());
      }
    }
    before.listeners().stream()
        .filter(l -> listener(after, l.name()) == null)
        .forEach(l -> removedListeners.add(l.name()));

    List<String> restart = new ArrayList<>();
    if (!Objects.equals(before.accessLog(), after.accessLog())) {
      restart.add("access_log");
    }
    if (!Objects.equals(before.admin(), after.admin())) {
      restart.add("admin");
    }
    if (!Objects.equals(before.maxConnections(), after.maxConnections())) {
      restart.add("max_connections");
    }
    for (ListenerConfig listener : after.listeners()) {
      ListenerConfig old = listener(before, listener.name());
      if (old != null
          && (!old.backlog().equals(listener.backlog())
              || !old.reusePort().equals(listener.reusePort()))) {
        restart.add("listeners." + listener.name() + ".backlog/reuse_port");
      }
    }
    return new ConfigDiff(
        addedPools,
        removedPools,
        changedPools,
        addedListeners,
        removedListeners,
        changedListeners,
        rebuild,
        restart);
  }

  /** Whether the reload changes nothing at all. */
  boolean isEmpty() {
    return addedPools.isEmpty()
        && removedPools.isEmpty()
        && changedPools.isEmpty()
        && addedListeners.isEmpty()
        && removedListeners.isEmpty()
        && listenersToRebuild.isEmpty();
  }

  /** One line for the log: {@code pools +a ~b -c; listeners +d ~e -f}. */
  String summary() {
    return "pools "
        + signed(addedPools, removedPools, changedPools)
        + "; listeners "
        + signed(addedListeners, removedListeners, changedListeners);
  }

  private static String signed(Set<String> added, Set<String> removed, Set<String> changed) {
    List<String> parts = new ArrayList<>();
    added.forEach(n -> parts.add("+" + n));
    changed.forEach(n -> parts.add("~" + n));
    removed.forEach(n -> parts.add("-" + n));
    return parts.isEmpty() ? "unchanged" : String.join(" ", parts);
  }

  static ListenerConfig listener(Config config, String name) {
    for (ListenerConfig listener : config.listeners()) {
      if (listener.name().equals(name)) {
        return listener;
      }
    }
    return null;
  }

  /** Every pool a listener sends to: its own, its routes', its SNI routes'. */
  static Set<String> poolsOf(ListenerConfig listener) {
    Set<String> pools = new LinkedHashSet<>();
    if (listener.pool() != null) {
      pools.add(listener.pool());
    }
    listener.routes().forEach(r -> pools.add(r.pool()));
    listener.sniRoutes().forEach(r -> pools.add(r.pool()));
    return pools;
  }
}
