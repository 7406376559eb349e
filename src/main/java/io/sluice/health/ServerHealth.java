package io.sluice.health;

import io.netty.channel.EventLoop;
import io.sluice.config.HealthConfig;
import io.sluice.pool.Pool;
import io.sluice.pool.Server;
import io.sluice.pool.ServerState;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The active checks of one server: runs one check at a time, counts consecutive passes and
 * failures, and flips the server down after {@code fall} failures and up after {@code rise} passes,
 * logging each change once with its reason. Checks come faster while the server is changing state,
 * and every delay is jittered by ±10 % so checks of many servers do not fire in lockstep.
 *
 * <p>Runs on the health loop only: no field is shared.
 */
final class ServerHealth implements Runnable {
  private static final Logger log = LoggerFactory.getLogger(ServerHealth.class);

  private final Pool pool;
  private final Server server;
  private final int configuredWeight;
  private final HealthConfig config;
  private final HealthCheck check;
  private final EventLoop loop;
  private int passes;
  private int failures;
  private boolean stopped;
  private long lastCheckNanos;
  private long checks;

  ServerHealth(Pool pool, Server server, HealthConfig config, HealthCheck check, EventLoop loop) {
    this.pool = pool;
    this.server = server;
    this.configuredWeight = server.weight();
    this.config = config;
    this.check = check;
    this.loop = loop;
  }

  void start() {
    schedule(jittered(config.interval().toNanos()) / 2);
  }

  void stop() {
    stopped = true;
  }

  @Override
  public void run() {
    if (stopped) {
      return;
    }
    if (server.adminState() == ServerState.MAINT && config.check() != HealthConfig.Check.AGENT) {
      schedule(jittered(config.interval().toNanos()));
      return;
    }
    lastCheckNanos = System.nanoTime();
    checks++;
    check.run(server, loop, this::judge);
  }

  private void judge(CheckOutcome outcome) {
    applyAgentReport(outcome);
    if (outcome.ok()) {
      server.recordLatency(System.nanoTime() - lastCheckNanos);
      failures = 0;
      passes++;
      if (!server.healthy() && passes >= config.rise()) {
        server.healthy(true);
        log.info(
            "server {} of pool {} is UP: {} ({} passed checks)",
            server.name(),
            pool.name(),
            outcome.reason(),
            passes);
        pool.offerRoomToQueue();
      }
    } else {
      passes = 0;
      failures++;
      if (server.healthy() && failures >= config.fall()) {
        server.healthy(false);
        log.warn(
            "server {} of pool {} is DOWN: {} ({} failed checks)",
            server.name(),
            pool.name(),
            outcome.reason(),
            failures);
      }
    }
    boolean settling = (server.healthy() && failures > 0) || (!server.healthy() && passes > 0);
    schedule(jittered((settling ? config.fastInterval() : config.interval()).toNanos()));
  }

  private void applyAgentReport(CheckOutcome outcome) {
    if (outcome.agentState() != null) {
      ServerState wanted =
          switch (outcome.agentState()) {
            case "drain" -> ServerState.DRAIN;
            case "maint" -> ServerState.MAINT;
            default -> ServerState.UP;
          };
      if (server.adminState() != wanted) {
        server.adminState(wanted);
        log.info(
            "server {} of pool {} set to {} by its agent",
            server.name(),
            pool.name(),
            outcome.agentState());
        pool.offerRoomToQueue();
      }
    }
    if (outcome.agentMaxConnections() >= 0 && outcome.agentMaxConnections() != server.cap()) {
      server.cap(outcome.agentMaxConnections());
      log.info(
          "server {} of pool {} limited to {} connections by its agent",
          server.name(),
          pool.name(),
          outcome.agentMaxConnections());
      pool.offerRoomToQueue();
    }
    if (outcome.agentWeightPercent() >= 0) {
      int weight = Math.max(1, configuredWeight * outcome.agentWeightPercent() / 100);
      if (weight != server.weight()) {
        server.weight(weight);
        log.info(
            "server {} of pool {} weight {} ({}% by its agent)",
            server.name(), pool.name(), weight, outcome.agentWeightPercent());
      }
    }
  }

  private void schedule(long delayNanos) {
    if (!stopped) {
      loop.schedule(this, delayNanos, TimeUnit.NANOSECONDS);
    }
  }

  private static long jittered(long nanos) {
    long spread = nanos / 10;
    return nanos - spread + ThreadLocalRandom.current().nextLong(2 * spread + 1);
  }

  long checks() {
    return checks;
  }
}
