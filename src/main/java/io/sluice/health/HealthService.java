package io.sluice.health;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.sluice.config.HealthConfig;
import io.sluice.config.OutlierConfig;
import io.sluice.pool.Pool;
import io.sluice.pool.Server;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Every pool's active checks and outlier detection, on one event loop of their own: a storm of
 * handshakes or requests on the traffic loops cannot delay a check, and a check never waits behind
 * traffic, so a busy healthy server is not marked down for being busy.
 *
 * <p>Threads: built and stopped by the control thread; everything else runs on the health loop.
 */
public final class HealthService implements AutoCloseable {
  private final EventLoopGroup group;
  private final EventLoop loop;
  private final ChannelTypes channels;

  /** The running checks of each pool; touched on the health loop only. */
  private final Map<Pool, List<ServerHealth>> checked = new HashMap<>();

  /**
   * @param group a group of its own (one thread is plenty), closed with this service
   * @param channels the client channel type for each server address
   */
  public HealthService(EventLoopGroup group, ChannelTypes channels) {
    this.group = group;
    this.loop = group.next();
    this.channels = channels;
  }

  /** Starts the active checks and outlier detection {@code pool}'s configuration asks for. */
  public void watch(Pool pool, HealthConfig health, OutlierConfig outlier) {
    watch(pool, health, outlier, null);
  }

  /**
   * As {@link #watch(Pool, HealthConfig, OutlierConfig)}, with the pool's TLS towards its servers
   * (or {@code null}), which its {@code tls} checks then use.
   */
  public void watch(Pool pool, HealthConfig health, OutlierConfig outlier, CheckTls tls) {
    if (outlier.consecutiveFailures() > 0) {
      new OutlierDetector(pool, outlier, loop);
    }
    HealthCheck check =
        switch (health.check()) {
          case NONE -> null;
          case TCP -> new TcpCheck(health.timeout(), channels);
          case HTTP -> new HttpCheck(health, channels);
          case AGENT -> new AgentCheck(health.timeout(), health.agentPort(), channels);
          case TLS -> new TlsCheck(health.timeout(), health.sni(), channels, tls);
          case SIP -> new SipCheck(health, channels);
        };
    if (check == null) {
      return;
    }
    for (Server server : pool.servers()) {
      ServerHealth serverHealth = new ServerHealth(pool, server, health, check, loop);
      loop.execute(
          () -> {
            checked.computeIfAbsent(pool, p -> new ArrayList<>()).add(serverHealth);
            serverHealth.start();
          });
    }
  }

  /**
   * Stops {@code pool}'s checks and outlier detection, before a reload watches it again with its
   * new servers and settings, or because the pool is gone. Servers keep the health they had.
   */
  public void unwatch(Pool pool) {
    for (Server server : pool.servers()) {
      server.outcomeListener(null);
    }
    loop.execute(
        () -> {
          List<ServerHealth> stopped = checked.remove(pool);
          if (stopped != null) {
            stopped.forEach(ServerHealth::stop);
          }
        });
  }

  @Override
  public void close() {
    loop.execute(() -> checked.values().forEach(checks -> checks.forEach(ServerHealth::stop)));
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
  }
}
