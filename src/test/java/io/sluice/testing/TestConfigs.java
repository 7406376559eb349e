package io.sluice.testing;

import static org.assertj.core.api.Assertions.fail;

import io.sluice.config.Config;
import io.sluice.config.ConfigLoader;
import io.sluice.config.ConfigResult;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Configurations for tests: one TCP listener {@code front} in front of one pool {@code back},
 * written as YAML and read by the real loader, so every test also exercises the file format.
 */
public final class TestConfigs {
  private String bind = "127.0.0.1:0";
  private String accessLog = "{path: \"off\"}";
  private final Map<String, String> top = new LinkedHashMap<>();
  private final Map<String, String> listener = new LinkedHashMap<>();
  private final Map<String, String> pool = new LinkedHashMap<>();
  private final List<String> servers = new ArrayList<>();

  public static TestConfigs tcp() {
    return new TestConfigs();
  }

  /** A {@code udp} listener {@code front}; {@link #udp(String)} adds its {@code udp} block. */
  public static TestConfigs udp() {
    return new TestConfigs().listener("protocol", "udp");
  }

  /** The {@code udp} block of a udp listener, in YAML flow syntax. */
  public TestConfigs udp(String udpYaml) {
    return listener("udp", udpYaml);
  }

  /** A {@code tls} listener; {@code tlsYaml} is its {@code tls} block in YAML flow syntax. */
  public TestConfigs tls(String tlsYaml) {
    return listener("protocol", "tls").listener("tls", tlsYaml);
  }

  /** An {@code http} listener. */
  public static TestConfigs http() {
    return new TestConfigs().listener("protocol", "http");
  }

  public TestConfigs bind(String address) {
    this.bind = address;
    return this;
  }

  public TestConfigs acceptProxy() {
    return listener("accept_proxy", "true");
  }

  public TestConfigs idle(java.time.Duration idle) {
    return listener("timeouts", "{idle: " + idle.toMillis() + "ms}");
  }

  public TestConfigs proxyHeaderTimeout(java.time.Duration timeout) {
    return listener("timeouts", "{proxy_header: " + timeout.toMillis() + "ms}");
  }

  public TestConfigs connectTimeout(java.time.Duration timeout) {
    return pool("timeouts", "{connect: " + timeout.toMillis() + "ms}");
  }

  public TestConfigs drainTimeout(java.time.Duration timeout) {
    top.put("drain_timeout", timeout.toMillis() + "ms");
    return this;
  }

  public TestConfigs maxConnections(int max) {
    return listener("max_connections", Integer.toString(max));
  }

  public TestConfigs accessLog(String path) {
    this.accessLog = "{path: \"" + path + "\"}";
    return this;
  }

  /** The whole {@code access_log} block in YAML flow syntax. */
  public TestConfigs accessLogBlock(String yamlValue) {
    this.accessLog = yamlValue;
    return this;
  }

  /** Any listener key, its value in YAML flow syntax. */
  public TestConfigs listener(String key, String yamlValue) {
    listener.put(key, yamlValue);
    return this;
  }

  /** Any pool key, its value in YAML flow syntax. */
  public TestConfigs pool(String key, String yamlValue) {
    pool.put(key, yamlValue);
    return this;
  }

  /** Any top-level key, its value in YAML flow syntax. */
  public TestConfigs top(String key, String yamlValue) {
    top.put(key, yamlValue);
    return this;
  }

  public TestConfigs server(String address) {
    return server(address, "");
  }

  /** A server with extra keys in YAML flow syntax, e.g. {@code "max_connections: 1"}. */
  public TestConfigs server(String address, String extraKeys) {
    servers.add(
        "{address: \"" + address + "\"" + (extraKeys.isEmpty() ? "" : ", " + extraKeys) + "}");
    return this;
  }

  /** Any server entry in YAML flow syntax, e.g. {@code "{dns: web.test, port: 8080}"}. */
  public TestConfigs serverEntry(String yamlFlow) {
    servers.add(yamlFlow);
    return this;
  }

  public TestConfigs serverSendingProxy(String address, boolean v2) {
    return server(address, v2 ? "send_proxy_v2: true" : "send_proxy: true");
  }

  public String yaml() {
    StringBuilder yaml = new StringBuilder();
    top.forEach((k, v) -> yaml.append(k).append(": ").append(v).append('\n'));
    yaml.append("access_log: ").append(accessLog).append('\n');
    yaml.append("listeners:\n  - name: front\n    bind: [\"").append(bind).append("\"]\n");
    yaml.append("    pool: back\n");
    listener.forEach((k, v) -> yaml.append("    ").append(k).append(": ").append(v).append('\n'));
    yaml.append("pools:\n  - name: back\n");
    pool.forEach((k, v) -> yaml.append("    ").append(k).append(": ").append(v).append('\n'));
    yaml.append("    servers:\n");
    servers.forEach(s -> yaml.append("      - ").append(s).append('\n'));
    return yaml.toString();
  }

  public Config build() {
    ConfigResult result = ConfigLoader.parse(yaml(), "test.yaml");
    if (!result.ok()) {
      fail("invalid test configuration:\n" + yaml() + "\n" + result.errors());
    }
    return result.config();
  }
}
