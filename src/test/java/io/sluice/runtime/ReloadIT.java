package io.sluice.runtime;

import static io.sluice.testing.ConnectionLoop.echo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.testing.ConnectionLoop;
import io.sluice.testing.EchoServer;
import io.sluice.testing.SluiceProcess;
import io.sluice.testing.Sockets;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reloads of a running process, by SIGHUP and by the admin API, while connections keep flowing: a
 * server added, one removed (it drains), a weight changed; a broken file refused with its place.
 */
class ReloadIT {
  @TempDir Path dir;

  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private String config(int port, int adminPort, String servers) {
    return """
        drain_timeout: 10s
        access_log: {path: "off"}
        admin: {bind: "127.0.0.1:%d"}
        listeners:
          - name: front
            bind: ["127.0.0.1:%d"]
            protocol: tcp
            pool: back
        pools:
          - name: back
            balance: round_robin
            servers:
        %s
        """
        .formatted(adminPort, port, servers);
  }

  private static String server(EchoServer echo, int weight) {
    return "      - {address: \"" + echo.address() + "\", weight: " + weight + "}\n";
  }

  @Test
  void sighupAndTheAdminApiApplyServerChangesWithoutFailingAConnection() throws Exception {
    int port = Sockets.freePort();
    int adminPort = Sockets.freePort();
    Path file = dir.resolve("sluice.yaml");
    try (EchoServer kept = new EchoServer();
        EchoServer removed = new EchoServer();
        EchoServer added = new EchoServer()) {
      Files.writeString(file, config(port, adminPort, server(kept, 1) + server(removed, 1)));
      try (SluiceProcess sluice = SluiceProcess.start(dir, "run", "-c", file.toString())) {
        sluice.awaitOutput("admin on http", Duration.ofSeconds(30));
        InetSocketAddress front = Sockets.loopback(port);

        // A connection held open on the server about to be removed: it must finish there.
        Socket held = null;
        for (int i = 0; i < 4 && held == null; i++) {
          Socket candidate = Sockets.connect(front);
          echo(candidate, "who");
          if (removed.accepted() > 0) {
            held = candidate;
          } else {
            candidate.close();
          }
        }
        assertThat(held).as("a connection on the server to be removed").isNotNull();

        ConnectionLoop loop = new ConnectionLoop(front, Duration.ofSeconds(20));
        loop.start();
        try {
          long keptBefore = keptTotal(adminPort, kept);
          Files.writeString(file, config(port, adminPort, server(kept, 3) + server(added, 1)));
          sluice.hangUp();
          sluice.awaitOutput("reload applied: pools ~back", Duration.ofSeconds(10));
          awaitAccepted(added, 1);

          echo(held, "still served by the removed server while it drains");
          assertThat(view(adminPort)).contains("\"state\":\"drain\"");
          assertThat(metrics(adminPort)).contains("sluice_draining_servers 1.0");
          held.close();
          // Empty now: the removed server leaves.
          await()
              .atMost(Duration.ofSeconds(10))
              .until(() -> metrics(adminPort).contains("sluice_draining_servers 0.0"));
          assertThat(view(adminPort)).doesNotContain(removed.address());

          assertThat(keptBefore).isPositive();
          assertThat(metrics(adminPort))
              .contains(
                  "sluice_server_weight{pool=\"back\",server=\"" + kept.address() + "\"} 3.0");

          // The admin API: put the removed server back with weight 2.
          Files.writeString(
              file,
              config(port, adminPort, server(kept, 3) + server(added, 1) + server(removed, 2)));
          HttpResponse<String> answer = post(adminPort, "/api/reload");
          assertThat(answer.statusCode()).isEqualTo(200);
          assertThat(answer.body()).contains("\"applied\":true");
        } finally {
          loop.finish();
        }
        assertThat(loop.failed()).as("failed connections").isZero();
        // The kept server is the same object through both reloads: its count never restarted.
        await()
            .atMost(Duration.ofSeconds(10))
            .until(() -> keptTotal(adminPort, kept) == kept.accepted());
        assertThat(loop.succeeded()).isPositive();
        assertThat(metrics(adminPort)).contains("sluice_reloads_total{outcome=\"applied\"} 2.0");
      }
    }
  }

  @Test
  void aBrokenFileIsRefusedWithItsPlaceAndTheRunningConfigurationStays() throws Exception {
    int port = Sockets.freePort();
    int adminPort = Sockets.freePort();
    Path file = dir.resolve("sluice.yaml");
    try (EchoServer echo = new EchoServer()) {
      Files.writeString(file, config(port, adminPort, server(echo, 1)));
      try (SluiceProcess sluice = SluiceProcess.start(dir, "run", "-c", file.toString())) {
        sluice.awaitOutput("admin on http", Duration.ofSeconds(30));
        Files.writeString(
            file, config(port, adminPort, server(echo, 1)).replace("round_robin", "fastest"));

        HttpResponse<String> answer = post(adminPort, "/api/reload");
        assertThat(answer.statusCode()).isEqualTo(400);
        assertThat(answer.body())
            .contains("\"applied\":false")
            .contains("sluice.yaml:11:5: pools[0].balance");

        sluice.hangUp();
        sluice.awaitOutput("reload refused.*sluice.yaml:11:5", Duration.ofSeconds(10));
        try (Socket client = Sockets.connect(Sockets.loopback(port))) {
          echo(client, "the old configuration still serves");
        }
        assertThat(metrics(adminPort)).contains("sluice_reloads_total{outcome=\"refused\"} 2.0");
      }
    }
  }

  private static void awaitAccepted(EchoServer echo, int count) throws InterruptedException {
    for (int i = 0; i < 500 && echo.accepted() < count; i++) {
      Thread.sleep(20);
    }
    assertThat(echo.accepted()).isGreaterThanOrEqualTo(count);
  }

  private long keptTotal(int adminPort, EchoServer kept) throws Exception {
    Matcher total =
        Pattern.compile(
                "sluice_server_connections_total\\{pool=\"back\",server=\""
                    + Pattern.quote(kept.address())
                    + "\"} ([0-9.]+)")
            .matcher(metrics(adminPort));
    assertThat(total.find()).isTrue();
    return (long) Double.parseDouble(total.group(1));
  }

  private String metrics(int adminPort) throws Exception {
    return get(adminPort, "/metrics");
  }

  private String view(int adminPort) throws Exception {
    return get(adminPort, "/api/view");
  }

  private String get(int adminPort, String path) throws Exception {
    return http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + path)).build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }

  private HttpResponse<String> post(int adminPort, String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + path))
            .POST(HttpRequest.BodyPublishers.noBody())
            .timeout(Duration.ofSeconds(15))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
