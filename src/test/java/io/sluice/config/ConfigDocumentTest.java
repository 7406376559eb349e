package io.sluice.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigDocumentTest {
  @TempDir Path dir;

  /** Every section of the file, with secrets of each kind. */
  private Config everything() throws Exception {
    for (String file : new String[] {"cert.pem", "key.pem", "ca.pem", "tickets"}) {
      Files.writeString(dir.resolve(file), "x");
    }
    String yaml =
        """
        drain_timeout: 90s
        watch: true
        max_connections: 20000
        access_log: {path: "off", queue: 1024}
        admin: {bind: "127.0.0.1:9900", token: s3cret-admin}
        watchdog: {tick: 50ms, stall: 250ms}
        self_probe: {enabled: true, interval: 3s}
        udp_buffers: {budget: 16MiB, reserve: 12.5%}
        tracing: {otlp_endpoint: "http://collector:p4ss@127.0.0.1:4318/v1/traces", slower_than: 250us}
        listeners:
          - name: web
            bind: ["127.0.0.1:8080", "unix:@web"]
            protocol: http
            pool: app
            accept_rate: 600/m
            http:
              overload: {status: 503, retry_after: 2s..30s}
              max_header_size: 64KB
              target_header: x-server
            routes:
              - {name: api, path_prefix: /api, pool: app, headers: {authorization: "Bearer t0ken", x-tenant: blue}}
          - name: tls
            bind: ["127.0.0.1:8443"]
            protocol: tls
            pool: app
            tls:
              certificates: [{cert: "DIR/cert.pem", key: "DIR/key.pem"}]
              client_auth: request
              session_tickets: {key_file: "DIR/tickets", rotate: 2h}
          - name: sip
            bind: ["127.0.0.1:5060"]
            protocol: udp
            pool: app
            udp: {affinity: sip_call_id, max_datagram: 1500B}
        pools:
          - name: app
            balance: least_conn
            queue: {max: 10, timeout: 1500ms}
            retry: {attempts: 1, budget: 10%}
            health: {check: http, path: /ping, interval: 1s}
            timeouts: {connect: 250ms, response: 1m}
            http: {protocol: h2, max_idle_per_server: 8}
            tls: {ca: "DIR/ca.pem", cert: "DIR/cert.pem", key: "DIR/key.pem", alpn: [h2]}
            servers:
              - {address: "127.0.0.1:9001", weight: 3, max_connections: 100, state: drain}
              - {address: "127.0.0.1:9002", send_proxy_v2: true}
              - {address: "127.0.0.1:9003", max_connections: adaptive, adaptive: {min: 2, max: 50}}
        """
            .replace("DIR", dir.toString());
    ConfigResult result = ConfigLoader.parse(yaml, "everything.yaml");
    assertThat(result.errors()).isEmpty();
    return result.config();
  }

  @Test
  void readsBackAsTheSameConfiguration() throws Exception {
    Config config = everything();
    String json = ConfigDocument.of(config).toString();

    ConfigResult again = ConfigLoader.parse(json, "again.json");

    assertThat(again.errors()).isEmpty();
    assertThat(again.config()).isEqualTo(config);
  }

  @Test
  void writesValuesAsTheFileDoesWithDefaultsFilledIn() throws Exception {
    ObjectNode tree = ConfigDocument.of(everything());

    assertThat(tree.get("drain_timeout").asText()).isEqualTo("90s");
    JsonNode web = tree.get("listeners").get(0);
    assertThat(web.get("accept_rate").asText()).isEqualTo("600/m");
    assertThat(web.get("http").get("max_header_size").asText()).isEqualTo("64KB");
    assertThat(web.get("http").get("overload").get("retry_after").asText()).isEqualTo("2s..30s");
    assertThat(web.get("max_connections").asInt())
        .isEqualTo(ListenerConfig.DEFAULT_MAX_CONNECTIONS);
    assertThat(web.has("is_http")).isFalse();
    assertThat(tree.get("udp_buffers").get("reserve").asText()).isEqualTo("12.5%");
    assertThat(tree.get("tracing").get("slower_than").asText()).isEqualTo("250us");
    JsonNode pool = tree.get("pools").get(0);
    assertThat(pool.get("queue").get("timeout").asText()).isEqualTo("1500ms");
    assertThat(pool.get("balance").asText()).isEqualTo("least_conn");
    assertThat(pool.get("servers").get(0).get("state").asText()).isEqualTo("drain");
    // Absent optional values are left out rather than written as null.
    assertThat(tree.has("cluster")).isFalse();
  }

  @Test
  void redactsTokensCredentialHeadersAndUrlPasswordsButNotFilePaths() throws Exception {
    ObjectNode tree = ConfigDocument.redacted(everything());
    String text = tree.toString();

    assertThat(text).doesNotContain("s3cret-admin", "t0ken", "p4ss");
    assertThat(tree.get("admin").get("token").asText()).isEqualTo(ConfigDocument.REDACTED);
    assertThat(tree.get("admin").get("bind").asText()).isEqualTo("127.0.0.1:9900");
    JsonNode headers = tree.get("listeners").get(0).get("routes").get(0).get("headers");
    assertThat(headers.get("authorization").asText()).isEqualTo(ConfigDocument.REDACTED);
    assertThat(headers.get("x-tenant").asText()).isEqualTo("blue");
    assertThat(tree.get("tracing").get("otlp_endpoint").asText())
        .isEqualTo("http://<redacted>@127.0.0.1:4318/v1/traces");
    assertThat(tree.get("listeners").get(0).get("bind").get(1).asText()).isEqualTo("unix:@web");
    JsonNode tls = tree.get("listeners").get(1).get("tls");
    assertThat(tls.get("certificates").get(0).get("key").asText()).endsWith("/key.pem");
    assertThat(tls.get("session_tickets").get("key_file").asText()).endsWith("/tickets");
    assertThat(tree.get("pools").get(0).get("tls").get("key").asText()).endsWith("/key.pem");
  }

  @Test
  void writesDurationsSizesAndSharesInTheirLargestExactUnit() {
    assertThat(ConfigDocument.duration(Duration.ZERO)).isEqualTo("0");
    assertThat(ConfigDocument.duration(Duration.ofSeconds(90))).isEqualTo("90s");
    assertThat(ConfigDocument.duration(Duration.ofMinutes(120))).isEqualTo("2h");
    assertThat(ConfigDocument.duration(Duration.ofDays(1))).isEqualTo("1d");
    assertThat(ConfigDocument.duration(Duration.ofMillis(1500))).isEqualTo("1500ms");
    assertThat(ConfigDocument.duration(Duration.ofNanos(250_000))).isEqualTo("250us");
  }
}
