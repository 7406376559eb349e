package io.sluice.runtime;

import io.sluice.config.Config;
import io.sluice.config.ListenerConfig;
import io.sluice.config.PoolConfig;
import io.sluice.config.Protocol;
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
    if (!Objects.equals(before.maxPipes(), after.maxPipes())) {
      restart.add("max_pipes");
    }
    if (!Objects.equals(before.watchdog(), after.watchdog())) {
      restart.add("watchdog");
    }
    if (!Objects.equals(before.selfProbe(), after.selfProbe())) {
      restart.add("self_probe");
    }
    if (!Objects.equals(before.tracing(), after.tracing())) {
      restart.add("tracing");
    }
    if (!Objects.equals(before.bufferMemory(), after.bufferMemory())) {
      restart.add("buffer_memory");
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

  /**
   * Why a reload from {@code before} to {@code after} cannot be applied in place, empty when it
   * can. Udp listeners and the fleet are built at start only: a reload that would change them is
   * refused whole rather than half applied.
   */
  static List<String> refusals(Config before, Config after) {
    List<String> refused = new ArrayList<>();
    List<ListenerConfig> udpBefore = udpListeners(before);
    List<ListenerConfig> udpAfter = udpListeners(after);
    if (!udpBefore.equals(udpAfter)) {
      refused.add("udp listeners are added, removed or changed only at a restart");
    }
    if (!udpAfter.isEmpty() && !Objects.equals(before.udpBuffers(), after.udpBuffers())) {
      refused.add("udp_buffers changes only at a restart");
    }
    if (!Objects.equals(before.cluster(), after.cluster())) {
      refused.add("cluster is set, changed or removed only at a restart");
    } else if (after.cluster() != null
        && (!before.pools().equals(after.pools())
            || !before.listeners().equals(after.listeners()))) {
      refused.add(
          "in fleet mode (cluster) listeners and pools change only at a restart: the fleet shares"
              + " their limits and ticket keys as they were at start");
    }
    return refused;
  }

  private static List<ListenerConfig> udpListeners(Config config) {
    List<ListenerConfig> udp = new ArrayList<>();
    for (ListenerConfig listener : config.listeners()) {
      if (listener.protocol() == Protocol.UDP) {
        udp.add(listener);
      }
    }
    return udp;
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
