package io.sluice.runtime;

import io.sluice.config.AdminState;
import io.sluice.config.Endpoint;
import io.sluice.config.PoolConfig;
import io.sluice.config.ServerConfig;
import io.sluice.net.SocketAddresses;
import io.sluice.pool.AdaptiveLimit;
import io.sluice.pool.Pool;
import io.sluice.pool.RetryBudget;
import io.sluice.pool.Server;
import io.sluice.pool.ServerQueue;
import io.sluice.pool.ServerState;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * Pools and servers from their configuration, at start, on a reload, and when DNS changes a pool's
 * servers. A server is known by its name (its configured address, or {@code NAME#ip:port} for one
 * found through DNS): one that stays is the same {@link Server}, with its counters, health and open
 * connections; its weight, limit and PROXY settings take the new values.
 */
final class PoolBuilder {
  private PoolBuilder() {}

  /**
   * A pool's servers for a new configuration, and the changes to the servers that stay, applied
   * only once the whole reload is certain to succeed.
   */
  record PlannedServers(List<Server> servers, List<Runnable> updates) {
    void applyUpdates() {
      updates.forEach(Runnable::run);
    }
  }

  /**
   * The servers of {@code config} in order: those of {@code current} (may be {@code null}) that
   * stay, and new ones for added addresses. Resolves names, so never on an event loop.
   *
   * @param before the pool's previous configuration, or {@code null} for a new pool
   * @throws StartException when an address cannot be resolved; nothing was changed
   */
  static PlannedServers servers(PoolConfig config, Pool current, PoolConfig before)
      throws StartException {
    List<Server> servers = new ArrayList<>();
    List<Runnable> updates = new ArrayList<>();
    for (ServerConfig server : config.servers()) {
      String name = server.serverName();
      Server kept = current == null ? null : find(current, name);
      if (kept != null) {
        ServerConfig was = before == null ? null : find(before, name);
        updates.add(
            () -> {
              kept.reconfigure(
                  server.weight(), fixedLimit(server), server.sendProxy(), server.sendProxyV2());
              if (was == null || !sameLimit(was, server)) {
                kept.adaptive(adaptive(server));
              }
              kept.slowStart(config.slowStart().toNanos());
              kept.proxyV2CertTlv(server.proxyV2CertTlv());
              if (was == null || was.state() != server.state()) {
                kept.adminState(state(server.state()));
              }
            });
        servers.add(kept);
        continue;
      }
      SocketAddress address;
      try {
        Endpoint endpoint = Endpoint.parse(server.address());
        // A server found through DNS is at an IP address and keeps the name it was found by.
        address =
            server.dns() != null
                ? SocketAddresses.named(server.dns(), endpoint)
                : SocketAddresses.of(endpoint);
      } catch (IllegalArgumentException e) {
        throw new StartException(
            "pool '" + config.name() + "': server " + server.address() + ": " + e.getMessage(), e);
      }
      Server created =
          new Server(
              name,
              address,
              server.weight(),
              fixedLimit(server),
              server.sendProxy(),
              server.sendProxyV2());
      created.adaptive(adaptive(server));
      created.adminState(state(server.state()));
      created.slowStart(config.slowStart().toNanos());
      created.proxyV2CertTlv(server.proxyV2CertTlv());
      servers.add(created);
    }
    return new PlannedServers(servers, updates);
  }

  static Pool build(PoolConfig config, List<Server> servers) {
    return new Pool(
        config.name(),
        servers,
        Balancers.of(config),
        config.timeouts().connect(),
        new ServerQueue(
            config.queue().max(),
            config.queue().timeout().toNanos(),
            config.queue().target().toNanos(),
            config.queue().interval().toNanos(),
            config.queue().lifoUnderCongestion()),
        config.queue().timeout(),
        config.retry().attempts(),
        new RetryBudget(config.retry().budget().fraction(), config.retry().minPerSecond()));
  }

  static void reconfigure(Pool pool, PoolConfig config, List<Server> servers) {
    pool.reconfigure(
        servers,
        Balancers.of(config),
        config.timeouts().connect(),
        config.queue().max(),
        config.queue().timeout(),
        config.queue().target(),
        config.queue().interval(),
        config.queue().lifoUnderCongestion(),
        config.retry().attempts(),
        config.retry().budget().fraction(),
        config.retry().minPerSecond());
  }

  /** The configured limit, 0 (none) while a learned one is in force. */
  private static int fixedLimit(ServerConfig server) {
    return server.adaptiveLimit() ? 0 : server.maxConnections();
  }

  /** A fresh learned limit for {@code max_connections: adaptive}, else {@code null}. */
  private static AdaptiveLimit adaptive(ServerConfig server) {
    return server.adaptiveLimit()
        ? new AdaptiveLimit(
            server.adaptive().min(), server.adaptive().max(), server.adaptive().initial())
        : null;
  }

  /**
   * Whether a kept server's limit settings are unchanged, so a learned limit keeps what it learned.
   */
  private static boolean sameLimit(ServerConfig was, ServerConfig now) {
    return was.maxConnections().equals(now.maxConnections())
        && was.adaptive().equals(now.adaptive());
  }

  static ServerState state(AdminState state) {
    return switch (state) {
      case UP -> ServerState.UP;
      case DRAIN -> ServerState.DRAIN;
      case MAINT -> ServerState.MAINT;
    };
  }

  /** The pool's server called {@code name}, or a draining one (it rejoins). */
  private static Server find(Pool pool, String name) {
    for (Server server : pool.servers()) {
      if (server.name().equals(name)) {
        return server;
      }
    }
    for (Server server : pool.leavingServers()) {
      if (server.name().equals(name)) {
        return server;
      }
    }
    return null;
  }

  private static ServerConfig find(PoolConfig pool, String name) {
    for (ServerConfig server : pool.servers()) {
      if (name.equals(server.serverName())) {
        return server;
      }
    }
    return null;
  }
}
