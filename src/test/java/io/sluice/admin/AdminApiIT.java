package io.sluice.admin;

import static io.sluice.testing.Sockets.connect;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.runtime.SluiceRuntime;
import io.sluice.testing.EchoServer;
import io.sluice.testing.Peers;
import io.sluice.testing.RuntimeTest;
import io.sluice.testing.TestConfigs;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The admin API as an operator and Prometheus meet it: curl, real scrapes, live figures. */
class AdminApiIT extends RuntimeTest {
  private final HttpClient http = HttpClient.newHttpClient();

  private String admin() {
    InetSocketAddress address = sluice.adminAddress();
    return "http://127.0.0.1:" + address.getPort();
  }

  private static String curl(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(Peers.require("curl"), "-s", "-m", "5"));
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    assertThat(process.waitFor(10, TimeUnit.SECONDS)).isTrue();
    return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
  }

  private static double metric(String scrape, String series) {
    Matcher matcher =
        Pattern.compile("^" + Pattern.quote(series) + " ([0-9.eE+-]+)$", Pattern.MULTILINE)
            .matcher(scrape);
    assertThat(matcher.find()).as("series %s in:%n%s", series, scrape).isTrue();
    return Double.parseDouble(matcher.group(1));
  }

  @Test
  void metricsMatchWhatTheClientsDid() throws Exception {
    EchoServer echo = new EchoServer();
    keep(echo);
    sluice =
        SluiceRuntime.start(
            TestConfigs.tcp()
                .server(echo.address(), "max_connections: 3")
                .pool("queue", "{max: 0}")
                .top("admin", "{bind: \"127.0.0.1:0\"}")
                .build(),
            2);
    SocketAddress front = sluice.boundAddresses("front").get(0);
    List<Socket> held = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      Socket client = connect(front);
      client.getOutputStream().write('x');
      assertThat(client.getInputStream().read()).isEqualTo('x');
      held.add(client);
    }
    for (int i = 0; i < 2; i++) {
      try (Socket refused = connect(front)) {
        assertThat(refused.getInputStream().read()).isEqualTo(-1);
      }
    }
    await().until(() -> sluice.view().listeners().get(0).connections() == 3);

    String scrape = curl(admin() + "/metrics");
    String server = "pool=\"back\",server=\"" + echo.address() + "\"";
    assertThat(metric(scrape, "sluice_listener_accepted_total{listener=\"front\"}")).isEqualTo(5);
    assertThat(metric(scrape, "sluice_listener_connections{listener=\"front\"}")).isEqualTo(3);
    assertThat(metric(scrape, "sluice_connections_ended_total{listener=\"front\",state=\"RQ\"}"))
        .isEqualTo(2);
    assertThat(metric(scrape, "sluice_server_active_connections{" + server + "}")).isEqualTo(3);
    assertThat(metric(scrape, "sluice_server_max_connections{" + server + "}")).isEqualTo(3);
    assertThat(metric(scrape, "sluice_server_state{" + server + ",state=\"up\"}")).isEqualTo(1);

    for (Socket socket : held) {
      socket.close();
    }
    await().until(() -> sluice.pool("back").servers().get(0).active() == 0);
    for (int i = 0; i < 4; i++) {
      try (Socket client = connect(front)) {
        client.shutdownOutput();
        client.getInputStream().readAllBytes();
      }
    }
    await()
        .until(
            () ->
                metric(
                        curl(admin() + "/metrics"),
                        "sluice_connections_ended_total{listener=\"front\",state=\"--\"}")
                    == 7);
    assertThat(
            metric(curl(admin() + "/metrics"), "sluice_server_connections_total{" + server + "}"))
        .isEqualTo(7);
  }

  @Test
  void operatorsDrainAServerThroughTheApiAndSeeItInTheView() throws Exception {
    EchoServer first = new EchoServer();
    EchoServer second = new EchoServer();
    keep(first);
    keep(second);
    sluice =
        SluiceRuntime.start(
            TestConfigs.tcp()
                .server(first.address())
                .server(second.address())
                .top("admin", "{bind: \"127.0.0.1:0\"}")
                .build(),
            2);
    String path = admin() + "/api/pools/back/servers/" + first.address() + "?state=drain";
    assertThat(curl("-X", "POST", path)).isEqualTo("ok\n");

    assertThat(curl(admin() + "/api/view"))
        .contains("\"name\":\"" + first.address() + "\",\"state\":\"drain\"");
    SocketAddress front = sluice.boundAddresses("front").get(0);
    for (int i = 0; i < 6; i++) {
      try (Socket client = connect(front)) {
        client.shutdownOutput();
        client.getInputStream().readAllBytes();
      }
    }
    assertThat(first.accepted()).isZero();
    assertThat(second.accepted()).isEqualTo(6);
    assertThat(curl("-X", "POST", admin() + "/api/pools/back/servers/nope?state=drain"))
        .startsWith("no server nope");
  }

  @Test
  void requiresTheBearerTokenWhenOneIsSet() throws Exception {
    EchoServer echo = new EchoServer();
    keep(echo);
    sluice =
        SluiceRuntime.start(
            TestConfigs.tcp()
                .server(echo.address())
                .top("admin", "{bind: \"127.0.0.1:0\", token: s3cret}")
                .build(),
            2);
    HttpResponse<String> without =
        http.send(
            HttpRequest.newBuilder(URI.create(admin() + "/api/view")).build(),
            HttpResponse.BodyHandlers.ofString());
    HttpResponse<String> with =
        http.send(
            HttpRequest.newBuilder(URI.create(admin() + "/api/view"))
                .header("Authorization", "Bearer s3cret")
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(without.statusCode()).isEqualTo(401);
    assertThat(with.statusCode()).isEqualTo(200);
    assertThat(with.body()).contains("\"listeners\"");
    assertThat(with.body()).doesNotContain("s3cret");
  }

  @Test
  void readinessFollowsTheProcessState() throws Exception {
    EchoServer echo = new EchoServer();
    keep(echo);
    sluice =
        SluiceRuntime.start(
            TestConfigs.tcp()
                .server(echo.address())
                .top("admin", "{bind: \"127.0.0.1:0\"}")
                .build(),
            2);
    assertThat(curl("-o", "/dev/null", "-w", "%{http_code}", admin() + "/readyz")).isEqualTo("200");
    assertThat(curl("-o", "/dev/null", "-w", "%{http_code}", admin() + "/healthz"))
        .isEqualTo("200");
    assertThat(
            curl("-H", "Accept: application/openmetrics-text; version=1.0.0", admin() + "/metrics"))
        .contains("# EOF");
  }
}
