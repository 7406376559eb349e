package io.sluice.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.config.ListenerConfig.ListenerTimeouts;
import io.sluice.config.PoolConfig.PoolTimeouts;
import io.sluice.config.PoolConfig.QueueConfig;
import io.sluice.config.PoolConfig.RetryConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {

  private static final String EVERY_KEY =
      """
      listeners:
        - name: git-ssh
          bind: [":2222", "127.0.0.1:2223", "unix:/run/sluice/ssh.sock"]
          protocol: tcp
          pool: ssh
          accept_proxy: true
          backlog: 1024
          reuse_port: true
          max_connections: 500
          timeouts:
            idle: 10m
            proxy_header: 2s
          accept_rate: 100/s
          accept_burst: 20
          splice: off
      pools:
        - name: ssh
          balance: source_hash
          hash_balance_factor: 150
          servers:
            - address: 10.0.0.11:22
              weight: 3
              max_connections: 100
              send_proxy_v2: true
            - address: unix:@sshd
              send_proxy: true
              state: drain
          timeouts:
            connect: 250ms
          queue: {max: 50, timeout: 2s}
          retry: {attempts: 1, budget: 10%, min_per_second: 3}
      drain_timeout: 1m
      max_connections: 9000
      max_pipes: 64
      admin: {bind: "127.0.0.1:9900"}
      watch: true
      buffer_memory: {budget: 64MiB, reserve: 4MiB}
      access_log:
        path: /var/log/sluice/access.log
        queue: 1000
        format: custom
        template: "%{client} %{term}"
        facility: daemon
      watchdog: {tick: 50ms, stall: 2s}
      self_probe: {enabled: true, interval: 10s, timeout: 1s}
      """;

  @Test
  void bindsEveryKeyOfAValidConfig() {
    ConfigResult result = ConfigLoader.parse(EVERY_KEY, "sluice.yaml");

    assertThat(result.errors()).isEmpty();
    assertThat(result.ok()).isTrue();
    assertThat(result.config())
        .isEqualTo(
            new Config(
                List.of(
                    new ListenerConfig(
                        "git-ssh",
                        List.of(":2222", "127.0.0.1:2223", "unix:/run/sluice/ssh.sock"),
                        Protocol.TCP,
                        "ssh",
                        true,
                        1024,
                        true,
                        500,
                        new ListenerTimeouts(Duration.ofMinutes(10), Duration.ofSeconds(2)),
                        new Rate(100, Duration.ofSeconds(1)),
                        20,
                        null,
                        null,
                        null,
                        null,
                        null,
                        null,
                        SpliceMode.OFF)),
                List.of(
                    new PoolConfig(
                        "ssh",
                        Balance.SOURCE_HASH,
                        List.of(
                            new ServerConfig(
                                "10.0.0.11:22",
                                null,
                                null,
                                null,
                                null,
                                3,
                                100,
                                false,
                                true,
                                AdminState.UP,
                                0xE0),
                            new ServerConfig(
                                "unix:@sshd",
                                null,
                                null,
                                null,
                                null,
                                1,
                                0,
                                true,
                                false,
                                AdminState.DRAIN,
                                0xE0)),
                        new PoolTimeouts(Duration.ofMillis(250), null),
                        150,
                        new QueueConfig(50, Duration.ofSeconds(2)),
                        new RetryConfig(1, new Percent(10), 3, null, null),
                        HealthConfig.NONE,
                        OutlierConfig.DEFAULT,
                        Duration.ZERO,
                        null,
                        null,
                        null,
                        null,
                        null,
                        null)),
                Duration.ofMinutes(1),
                new AccessLogConfig(
                    "/var/log/sluice/access.log",
                    1000,
                    AccessLogConfig.Format.CUSTOM,
                    "%{client} %{term}",
                    null,
                    AccessLogConfig.Facility.DAEMON),
                9000,
                new AdminConfig("127.0.0.1:9900", null),
                new WatchdogConfig(Duration.ofMillis(50), Duration.ofSeconds(2)),
                new SelfProbeConfig(true, Duration.ofSeconds(10), Duration.ofSeconds(1)),
                UdpBuffersConfig.DEFAULT,
                null,
                null,
                null,
                true,
                64,
                new BufferMemoryConfig(DataSize.parse("64MiB"), DataSize.parse("4MiB"))));
  }

  @Test
  void appliesDefaultsForAbsentKeys() {
    String yaml =
        """
        listeners:
          - {name: git-ssh, bind: [":2222"], pool: ssh}
        pools:
          - {name: ssh, servers: [{address: "10.0.0.11:22"}]}
        """;

    Config config = ConfigLoader.parse(yaml, "sluice.yaml").config();

    ListenerConfig listener = config.listeners().get(0);
    assertThat(listener.protocol()).isEqualTo(Protocol.TCP);
    assertThat(listener.acceptProxy()).isFalse();
    assertThat(listener.backlog()).isEqualTo(ListenerConfig.DEFAULT_BACKLOG);
    assertThat(listener.reusePort()).isFalse();
    assertThat(listener.maxConnections()).isEqualTo(ListenerConfig.DEFAULT_MAX_CONNECTIONS);
    assertThat(listener.timeouts()).isEqualTo(ListenerTimeouts.DEFAULT);
    assertThat(listener.splice()).isEqualTo(SpliceMode.AUTO);
    assertThat(config.maxPipes()).isNull();
    PoolConfig pool = config.pools().get(0);
    assertThat(pool.balance()).isEqualTo(Balance.ROUND_ROBIN);
    assertThat(pool.timeouts().connect()).isEqualTo(PoolTimeouts.DEFAULT_CONNECT);
    assertThat(pool.servers().get(0)).isEqualTo(ServerConfig.at("10.0.0.11:22"));
    assertThat(pool.queue()).isEqualTo(QueueConfig.DEFAULT);
    assertThat(pool.retry()).isEqualTo(RetryConfig.DEFAULT);
    assertThat(listener.acceptRate()).isNull();
    assertThat(config.maxConnections()).isNull();
    assertThat(config.drainTimeout()).isEqualTo(Config.DEFAULT_DRAIN_TIMEOUT);
    assertThat(config.accessLog()).isEqualTo(new AccessLogConfig("stdout", 65_536));
  }

  @Test
  void treatsAnEmptyStringForAMapOrListAsAbsent() {
    String yaml =
        """
        listeners:
          - {name: git-ssh, bind: [":2222"], pool: ssh, timeouts: ""}
        pools:
          - {name: ssh, servers: [{address: "10.0.0.11:22"}]}
        access_log: ""
        """;

    Config config = ConfigLoader.parse(yaml, "sluice.yaml").config();

    assertThat(config.listeners().get(0).timeouts()).isEqualTo(ListenerTimeouts.DEFAULT);
    assertThat(config.accessLog()).isEqualTo(AccessLogConfig.DEFAULT);
  }

  @Test
  void readsNamesAsWrittenEvenWhereYamlWouldSeeABoolean() {
    String yaml =
        """
        listeners:
          - {name: no, bind: [":2222"], pool: on}
        pools:
          - {name: on, servers: [{address: "10.0.0.11:22"}]}
        """;

    Config config = ConfigLoader.parse(yaml, "sluice.yaml").config();

    assertThat(config.listeners().get(0).name()).isEqualTo("no");
    assertThat(config.listeners().get(0).pool()).isEqualTo("on");
  }

  @Test
  void loadsAFile(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("sluice.yaml");
    Files.writeString(file, EVERY_KEY);

    ConfigResult result = ConfigLoader.load(file);

    assertThat(result.ok()).isTrue();
    assertThat(result.config()).isEqualTo(ConfigLoader.parse(EVERY_KEY, "x").config());
  }

  @Test
  void reportsAMissingFileAtLineZero(@TempDir Path dir) {
    Path file = dir.resolve("absent.yaml");

    ConfigResult result = ConfigLoader.load(file);

    assertThat(result.ok()).isFalse();
    assertThat(result.config()).isNull();
    assertThat(result.errors())
        .map(ConfigError::toString)
        .containsExactly(file + ":0:0: (root): cannot read the file: no such file");
  }

  @Test
  void reportsAFileThatIsNotUtf8(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("latin1.yaml");
    Files.write(file, new byte[] {'a', ':', ' ', (byte) 0xE9, '\n'});

    assertThat(ConfigLoader.load(file).errors())
        .map(ConfigError::toString)
        .containsExactly(file + ":0:0: (root): cannot read the file: it is not UTF-8 text");
  }

  @Test
  void reportsAnEmptyFile() {
    assertThat(errors(""))
        .containsExactly(
            "sluice.yaml:1:1: (root): the configuration is empty (expected: listeners and pools)");
    assertThat(errors("# nothing but a comment\n"))
        .containsExactly(
            "sluice.yaml:1:1: (root): the configuration is empty (expected: listeners and pools)");
    assertThat(errors("{}\n"))
        .containsExactly(
            "sluice.yaml:1:1: (root): the configuration is empty (expected: listeners and pools)");
    assertThat(errors("\"\"\n"))
        .containsExactly(
            "sluice.yaml:1:1: (root): the configuration is empty (expected: listeners and pools)");
  }

  @Test
  void reportsAYamlSyntaxErrorWhereTheParserFoundIt() {
    String yaml =
        """
        listeners:
          - name: git-ssh
            bind: [":2222"
            pool: ssh
        """;

    assertThat(errors(yaml))
        .containsExactly(
            "sluice.yaml:4:5: listeners[0].bind[0]: invalid YAML: expected ',' or ']', but got"
                + " <scalar> (while parsing a flow sequence at line 3, column 11)");
  }

  @Test
  void reportsATabUsedForIndentation() {
    assertThat(errors("listeners:\n\t- name: a\n"))
        .containsExactly(
            "sluice.yaml:2:1: listeners: invalid YAML: found character '\\t(TAB)' that cannot"
                + " start any token. (Do not use \\t(TAB) for indentation) (while scanning for the"
                + " next token)");
  }

  @Test
  void reportsASecondDocument() {
    String yaml =
        """
        listeners:
          - {name: git-ssh, bind: [":2222"], pool: ssh}
        pools:
          - {name: ssh, servers: [{address: "10.0.0.11:22"}]}
        ---
        drain_timeout: 5s
        """;

    assertThat(errors(yaml))
        .containsExactly(
            "sluice.yaml:6:1: (root): a second YAML document starts here; a configuration is one"
                + " document");
  }

  @Test
  void reportsEveryErrorOfAFileAtOnceInFileOrder() {
    String yaml =
        """
        listeners:
          - name: git-ssh
            bind: [":2222", "192.0.2.1:22"]
            pol: ssh
            backlog: lots
          - name: git-ssh
            bind: [":2222"]
            protocol: http
            pool: sshh
        pools:
          - name: ssh
            servers:
              - {address: "10.0.0.11:22", weight: 300}
              - {address: "10.0.0.12", send_proxy: yes, send_proxy_v2: true}
            timeouts: {connect: 5 parsecs}
        drain_timeout: 0
        """;

    assertThat(errors(yaml))
        .containsExactly(
            "sluice.yaml:2:5: listeners[0].pool: a tcp listener needs a pool",
            "sluice.yaml:3:21: listeners[0].bind[1]: host '192.0.2.1' is not an address of this"
                + " machine",
            "sluice.yaml:4:5: listeners[0].pol: unknown key 'pol', did you mean 'pool'?",
            "sluice.yaml:5:5: listeners[0].backlog: expected an integer, got 'lots'",
            "sluice.yaml:6:5: listeners[1].name: listener name 'git-ssh' is already used by"
                + " listeners[0]",
            "sluice.yaml:7:12: listeners[1].bind[0]: ':2222' is already bound by"
                + " listeners[0].bind[0]",
            "sluice.yaml:9:5: listeners[1].pool: no pool named 'sshh', did you mean 'ssh'?",
            "sluice.yaml:13:35: pools[0].servers[0].weight: expected 1 to 256, got 300",
            "sluice.yaml:14:10: pools[0].servers[1].address: '10.0.0.12' has no port"
                + " (expected: host:port, [ipv6]:port or :port)",
            "sluice.yaml:14:49: pools[0].servers[1].send_proxy_v2: send_proxy and send_proxy_v2"
                + " cannot both be true (choose one PROXY protocol version)",
            "sluice.yaml:15:16: pools[0].timeouts.connect: expected a duration such as 500ms or"
                + " 2s, got '5 parsecs'",
            "sluice.yaml:16:1: drain_timeout: expected a duration greater than 0, got 0");
  }

  static List<String> errors(String yaml) {
    ConfigResult result = ConfigLoader.parse(yaml, "sluice.yaml");
    assertThat(result.config()).as("config of a file with errors").isNull();
    return result.errors().stream().map(ConfigError::toString).toList();
  }

  @Test
  void theAdminTokenNeverShowsInAConfigurationsText() {
    ConfigResult result =
        ConfigLoader.parse(
            """
            listeners: [{name: a, bind: ["127.0.0.1:0"], pool: p}]
            pools: [{name: p, servers: [{address: "127.0.0.1:1"}]}]
            admin: {bind: "127.0.0.1:9900", token: s3cret-admin-token}
            """,
            "sluice.yaml");

    assertThat(result.errors()).isEmpty();
    assertThat(result.config().admin().token()).isEqualTo("s3cret-admin-token");
    assertThat(result.config().toString()).contains("bind=127.0.0.1:9900").doesNotContain("s3cret");
  }
}
