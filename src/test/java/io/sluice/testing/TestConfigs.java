package io.sluice.testing;

import io.sluice.config.AccessLogConfig;
import io.sluice.config.Balance;
import io.sluice.config.Config;
import io.sluice.config.ListenerConfig;
import io.sluice.config.ListenerConfig.ListenerTimeouts;
import io.sluice.config.PoolConfig;
import io.sluice.config.PoolConfig.PoolTimeouts;
import io.sluice.config.Protocol;
import io.sluice.config.ServerConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Configurations for tests, built as records: one TCP listener in front of one pool. */
public final class TestConfigs {
  private String bind = "127.0.0.1:0";
  private boolean acceptProxy;
  private Duration idle;
  private Duration proxyHeader;
  private Duration connectTimeout;
  private Duration drainTimeout;
  private Integer maxConnections;
  private String accessLog = "off";
  private final List<ServerConfig> servers = new ArrayList<>();

  public static TestConfigs tcp() {
    return new TestConfigs();
  }

  public TestConfigs bind(String address) {
    this.bind = address;
    return this;
  }

  public TestConfigs acceptProxy() {
    this.acceptProxy = true;
    return this;
  }

  public TestConfigs idle(Duration idle) {
    this.idle = idle;
    return this;
  }

  public TestConfigs proxyHeaderTimeout(Duration timeout) {
    this.proxyHeader = timeout;
    return this;
  }

  public TestConfigs connectTimeout(Duration timeout) {
    this.connectTimeout = timeout;
    return this;
  }

  public TestConfigs drainTimeout(Duration timeout) {
    this.drainTimeout = timeout;
    return this;
  }

  public TestConfigs maxConnections(int max) {
    this.maxConnections = max;
    return this;
  }

  public TestConfigs accessLog(String path) {
    this.accessLog = path;
    return this;
  }

  public TestConfigs server(String address) {
    servers.add(new ServerConfig(address, null, null, null, null));
    return this;
  }

  public TestConfigs serverSendingProxy(String address, boolean v2) {
    servers.add(new ServerConfig(address, null, null, !v2, v2));
    return this;
  }

  public Config build() {
    ListenerConfig listener =
        new ListenerConfig(
            "front",
            List.of(bind),
            Protocol.TCP,
            "back",
            acceptProxy,
            null,
            null,
            maxConnections,
            new ListenerTimeouts(idle, proxyHeader));
    PoolConfig pool =
        new PoolConfig("back", Balance.ROUND_ROBIN, servers, new PoolTimeouts(connectTimeout));
    return new Config(
        List.of(listener), List.of(pool), drainTimeout, new AccessLogConfig(accessLog, null));
  }
}
