package io.sluice.admin;

import static io.sluice.testing.Sockets.connect;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.config.Config;
import io.sluice.config.ConfigLoader;
import io.sluice.config.ConfigResult;
import io.sluice.runtime.SluiceRuntime;
import io.sluice.testing.Curl;
import io.sluice.testing.EchoHttpServer;
import io.sluice.testing.EchoServer;
import io.sluice.testing.MetricsScrape;
import io.sluice.testing.RuntimeTest;
import io.sluice.testing.TestConfigs;
import java.net.Socket;
import java.net.SocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The servers' histograms and responses as Prometheus scrapes them, after real traffic through an
 * HTTP listener (curl) and a TCP listener (sockets): every count equals what the clients did.
 */
class ServerMetricsIT extends RuntimeTest {
  @TempDir Path dir;

  private int adminPort() {
    return sluice.adminAddress().getPort();
  }

  private static Config config(String webServer, String rawServer) {
    String yaml =
        """
        access_log: {path: "off"}
        admin: {bind: "127.0.0.1:0"}
        listeners:
          - name: web
            bind: ["127.0.0.1:0"]
            protocol: http
            pool: web
            http: {target_header: x-server}
          - name: raw
            bind: ["127.0.0.2:0"]
            pool: raw
        pools:
          - name: web
            queue: {max: 16, timeout: 10s}
            servers: [{address: "%s", max_connections: 1}]
          - name: raw
            servers: [{address: "%s"}]
        """
            .formatted(webServer, rawServer);
    ConfigResult result = ConfigLoader.parse(yaml, "metrics.yaml");
    assertThat(result.errors()).isEmpty();
    return result.config();
  }

  private static String status(String... curlArgs) throws Exception {
    List<String> args = new ArrayList<>(List.of("-o", "/dev/null", "-w", "%{http_code}\\n"));
    args.addAll(List.of(curlArgs));
    Curl.Result result = Curl.run(args.toArray(new String[0]));
    assertThat(result.exit()).as(result.err()).isZero();
    return result.out().strip();
  }

  @Test
  void histogramsAndResponsesCountWhatTheClientsDid() throws Exception {
    EchoHttpServer web = keep(EchoHttpServer.start("web"));
    EchoServer raw = keep(new EchoServer());
    sluice = SluiceRuntime.start(config(web.address(), raw.address()), 2);
    String url = "http://" + sluice.boundAddressTexts("web").get(0) + "/";

    for (int status : new int[] {200, 200, 200, 201, 302, 404, 404, 503}) {
      assertThat(status(url + "?status=" + status)).isEqualTo(Integer.toString(status));
    }
    Path body = dir.resolve("body");
    Files.write(body, new byte[64 * 1024]);
    for (int i = 0; i < 2; i++) {
      assertThat(status("--data-binary", "@" + body, url + "upload")).isEqualTo("200");
    }
    // Sluice answers this one itself: the named server does not exist.
    assertThat(status("-H", "x-server: nope", url)).isEqualTo("503");
    // Four slow requests at once to a server that takes one at a time: three of them queue.
    List<String> parallel =
        new ArrayList<>(List.of("-Z", "--parallel-immediate", "--parallel-max", "4"));
    for (int i = 0; i < 4; i++) {
      parallel.addAll(List.of("-o", "/dev/null", url + "?sleep=300&i=" + i));
    }
    assertThat(status(parallel.toArray(new String[0])).split("\\s+"))
        .containsExactly("200", "200", "200", "200");

    SocketAddress front = sluice.boundAddresses("raw").get(0);
    for (int i = 0; i < 5; i++) {
      try (Socket client = connect(front)) {
        client.getOutputStream().write('x');
        assertThat(client.getInputStream().read()).isEqualTo('x');
      }
    }
    await().until(() -> sluice.view().listeners().get(1).connections() == 0);

    MetricsScrape scrape = MetricsScrape.of(adminPort());
    String webServer = "pool=\"web\",server=\"" + web.address() + "\"";
    String rawServer = "pool=\"raw\",server=\"" + raw.address() + "\"";
    int served = 14;
    assertThat(web.requests()).isEqualTo(served);

    // Every request that reached a server waited for its slot once (most for nothing).
    assertThat(scrape.value("sluice_server_queue_wait_seconds_count{" + webServer + "}"))
        .isEqualTo(served);
    assertThat(
            scrape.value("sluice_server_queue_wait_seconds_bucket{" + webServer + ",le=\"+Inf\"}"))
        .isEqualTo(served);
    // The queued three waited about 0.3, 0.6 and 0.9 s.
    assertThat(scrape.value("sluice_server_queue_wait_seconds_sum{" + webServer + "}"))
        .isGreaterThanOrEqualTo(1.5);
    assertThat(
            scrape.value("sluice_server_queue_wait_seconds_bucket{" + webServer + ",le=\"0.25\"}"))
        .isLessThanOrEqualTo(served - 3);
    // A new server connection per connect; keep-alive connections were reused for the rest.
    assertThat(scrape.value("sluice_server_connect_seconds_count{" + webServer + "}"))
        .isEqualTo(web.connections())
        .isLessThan(served);
    assertThat(scrape.value("sluice_server_request_body_seconds_count{" + webServer + "}"))
        .isEqualTo(2);
    assertThat(scrape.value("sluice_server_response_body_seconds_count{" + webServer + "}"))
        .isEqualTo(served);
    assertThat(scrape.value("sluice_server_first_byte_seconds_count{" + webServer + "}"))
        .isEqualTo(served);
    assertThat(scrape.value("sluice_server_first_byte_seconds_sum{" + webServer + "}"))
        .isGreaterThanOrEqualTo(1.2);

    assertThat(scrape.value("sluice_server_responses_total{class=\"2xx\"," + webServer + "}"))
        .isEqualTo(10);
    assertThat(scrape.value("sluice_server_responses_total{class=\"3xx\"," + webServer + "}"))
        .isEqualTo(1);
    assertThat(scrape.value("sluice_server_responses_total{class=\"4xx\"," + webServer + "}"))
        .isEqualTo(2);
    assertThat(scrape.value("sluice_server_responses_total{class=\"5xx\"," + webServer + "}"))
        .isEqualTo(1);
    assertThat(scrape.value("sluice_server_responses_total{class=\"1xx\"," + webServer + "}"))
        .isZero();
    assertThat(scrape.value("sluice_server_responses_total{class=\"other\"," + webServer + "}"))
        .isZero();
    assertThat(scrape.value("sluice_http_responses_total{class=\"5xx\",listener=\"web\"}"))
        .isEqualTo(2);
    assertThat(scrape.value("sluice_http_local_answers_total{class=\"5xx\",listener=\"web\"}"))
        .isEqualTo(1);
    assertThat(scrape.value("sluice_http_local_answers_total{class=\"2xx\",listener=\"web\"}"))
        .isZero();

    assertThat(raw.accepted()).isEqualTo(5);
    assertThat(scrape.value("sluice_server_queue_wait_seconds_count{" + rawServer + "}"))
        .isEqualTo(5);
    assertThat(scrape.value("sluice_server_connect_seconds_count{" + rawServer + "}")).isEqualTo(5);
    // A TCP pool has no HTTP figures to show.
    assertThat(scrape.has("sluice_server_first_byte_seconds_count{pool=\"raw\"")).isFalse();
    assertThat(scrape.has("sluice_server_responses_total{class=\"2xx\",pool=\"raw\"")).isFalse();
  }

  @Test
  void aServerKeepsItsSeriesAcrossReloadsAndARemovedOneOnlyUntilItsLastConnectionEnds()
      throws Exception {
    EchoServer first = keep(new EchoServer());
    EchoServer second = keep(new EchoServer());
    String admin = "{bind: \"127.0.0.1:0\"}";
    sluice =
        SluiceRuntime.start(
            TestConfigs.tcp().server(first.address()).top("admin", admin).build(), 2);
    SocketAddress front = sluice.boundAddresses("front").get(0);
    for (int i = 0; i < 3; i++) {
      try (Socket client = connect(front)) {
        client.getOutputStream().write('x');
        assertThat(client.getInputStream().read()).isEqualTo('x');
      }
    }
    Socket held = keep(connect(front));
    held.getOutputStream().write('x');
    assertThat(held.getInputStream().read()).isEqualTo('x');
    String firstSeries =
        "sluice_server_connect_seconds_count{pool=\"back\",server=\"" + first.address() + "\"}";
    String secondSeries =
        "sluice_server_connect_seconds_count{pool=\"back\",server=\"" + second.address() + "\"}";
    assertThat(MetricsScrape.of(adminPort()).value(firstSeries)).isEqualTo(4);

    // A changed weight: the same server, the same figures.
    assertThat(
            sluice
                .reload(
                    TestConfigs.tcp()
                        .server(first.address(), "weight: 5")
                        .top("admin", admin)
                        .build())
                .applied())
        .isTrue();
    assertThat(MetricsScrape.of(adminPort()).value(firstSeries)).isEqualTo(4);

    // Removed while a connection is open: listed, draining, until that connection ends.
    assertThat(
            sluice
                .reload(TestConfigs.tcp().server(second.address()).top("admin", admin).build())
                .applied())
        .isTrue();
    MetricsScrape draining = MetricsScrape.of(adminPort());
    assertThat(draining.value(firstSeries)).isEqualTo(4);
    assertThat(draining.value(secondSeries)).isZero();
    assertThat(
            draining.value(
                "sluice_server_state{pool=\"back\",server=\""
                    + first.address()
                    + "\",state=\"drain\"}"))
        .isEqualTo(1);

    held.close();
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> !MetricsScrape.of(adminPort()).has(firstSeries));
    assertThat(MetricsScrape.of(adminPort()).value(secondSeries)).isZero();
  }
}
