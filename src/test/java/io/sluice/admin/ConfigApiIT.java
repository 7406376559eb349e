package io.sluice.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.testing.EchoHttpServer;
import io.sluice.testing.SluiceProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code GET /api/config} on Sluice run from a file: the running configuration with its secrets
 * redacted, which follows a reload that is applied and stays through one that is refused.
 */
class ConfigApiIT {
  private static final String TOKEN = "adm1n-s3cret";

  @TempDir Path dir;

  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final ObjectMapper json = new ObjectMapper();

  private static String config(String drainTimeout, String server) {
    return """
        drain_timeout: %s
        access_log: {path: "off"}
        admin: {bind: "127.0.0.1:0", token: %s}
        tracing: {otlp_endpoint: "http://spans:tr4ce-s3cret@127.0.0.1:9/v1/traces"}
        listeners:
          - name: web
            bind: ["127.0.0.1:0"]
            protocol: http
            pool: back
            routes:
              - {path_prefix: /admin, pool: back, headers: {authorization: "Bearer r0ute-s3cret"}}
        pools:
          - name: back
            servers: [{address: "%s"}]
        """
        .formatted(drainTimeout, TOKEN, server);
  }

  private HttpResponse<String> send(int port, String method, String path, String token)
      throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(10))
            .method(method, HttpRequest.BodyPublishers.noBody());
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private JsonNode running(int port) throws Exception {
    HttpResponse<String> answer = send(port, "GET", "/api/config", TOKEN);
    assertThat(answer.statusCode()).isEqualTo(200);
    assertThat(answer.headers().firstValue("content-type")).hasValue("application/json");
    assertThat(answer.body()).doesNotContain("s3cret");
    return json.readTree(answer.body());
  }

  @Test
  void showsTheRunningConfigurationRedactedAndFollowsOnlyAppliedReloads() throws Exception {
    Path file = dir.resolve("sluice.yaml");
    try (EchoHttpServer server = EchoHttpServer.start("back")) {
      Files.writeString(file, config("7s", server.address()));
      try (SluiceProcess sluice = SluiceProcess.start(dir, "run", "-c", file.toString())) {
        int port =
            Integer.parseInt(
                sluice.awaitOutput(
                    "admin on http://127\\.0\\.0\\.1:(\\d+)/", Duration.ofSeconds(30)));
        assertThat(send(port, "GET", "/api/config", null).statusCode()).isEqualTo(401);

        JsonNode first = running(port);
        assertThat(first.get("generation").asLong()).isEqualTo(1);
        assertThat(first.get("file").asText()).isEqualTo(file.toString());
        Instant loaded = Instant.parse(first.get("loaded_at").asText());
        JsonNode config = first.get("config");
        assertThat(config.get("drain_timeout").asText()).isEqualTo("7s");
        assertThat(config.get("admin").get("token").asText()).isEqualTo("<redacted>");
        assertThat(config.get("tracing").get("otlp_endpoint").asText())
            .isEqualTo("http://<redacted>@127.0.0.1:9/v1/traces");
        JsonNode route = config.get("listeners").get(0).get("routes").get(0);
        assertThat(route.get("headers").get("authorization").asText()).isEqualTo("<redacted>");
        assertThat(route.get("path_prefix").asText()).isEqualTo("/admin");
        // Defaults are filled in: the pool's queue was never written.
        assertThat(config.get("pools").get(0).get("queue").get("timeout").asText())
            .isEqualTo("500ms");

        Files.writeString(file, config("9s", server.address()));
        assertThat(send(port, "POST", "/api/reload", TOKEN).statusCode()).isEqualTo(200);
        JsonNode second = running(port);
        assertThat(second.get("generation").asLong()).isEqualTo(2);
        assertThat(second.get("config").get("drain_timeout").asText()).isEqualTo("9s");
        assertThat(Instant.parse(second.get("loaded_at").asText())).isAfter(loaded);

        Files.writeString(file, config("soon", server.address()));
        HttpResponse<String> refused = send(port, "POST", "/api/reload", TOKEN);
        assertThat(refused.statusCode()).isEqualTo(400);
        assertThat(refused.body()).contains("drain_timeout");
        JsonNode third = running(port);
        assertThat(third.get("generation").asLong()).isEqualTo(2);
        assertThat(third.get("config").get("drain_timeout").asText()).isEqualTo("9s");
        assertThat(third.get("loaded_at").asText()).isEqualTo(second.get("loaded_at").asText());
      }
    }
  }
}
