package io.sluice.admin;

import static io.sluice.testing.Sockets.connect;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.runtime.SluiceRuntime;
import io.sluice.testing.EchoServer;
import io.sluice.testing.Peers;
import io.sluice.testing.RuntimeTest;
import io.sluice.testing.TestConfigs;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The dashboard in a real headless Chromium: it renders, follows load, and fits a phone. */
class DashboardIT extends RuntimeTest {
  @TempDir Path dir;

  private String page() {
    return "http://127.0.0.1:" + sluice.adminAddress().getPort() + "/";
  }

  /**
   * Runs headless Chromium with a fresh profile on the dashboard, {@code fragment} added to its
   * URL; returns its stdout.
   */
  private String chromium(String fragment, String... options) throws Exception {
    Path profile = Files.createTempDirectory(dir, "chromium");
    List<String> command =
        new ArrayList<>(
            List.of(
                Peers.require("chromium"),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--user-data-dir=" + profile,
                // Virtual time runs the page's first poll and draws it, then Chromium stops.
                "--virtual-time-budget=2500"));
    command.addAll(List.of(options));
    command.add(page() + fragment);
    Path out = dir.resolve("chromium.out");
    Process process =
        new ProcessBuilder(command)
            .redirectOutput(out.toFile())
            .redirectError(dir.resolve("chromium.err").toFile())
            .start();
    if (!process.waitFor(15, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("chromium did not finish within 15 s");
    }
    return Files.readString(out, StandardCharsets.UTF_8);
  }

  private static String shown(String dom, String key) {
    Matcher matcher =
        Pattern.compile("data-key=\"" + Pattern.quote(key) + "\"[^>]*>([^<]*)<").matcher(dom);
    assertThat(matcher.find()).as("%s in the page:%n%s", key, dom).isTrue();
    return matcher.group(1);
  }

  @Test
  void rendersTheLiveViewFollowsLoadAndFitsAPhone() throws Exception {
    EchoServer echo = keep(new EchoServer());
    sluice =
        SluiceRuntime.start(
            TestConfigs.tcp()
                .server(echo.address(), "max_connections: 4")
                .maxConnections(10)
                .top("admin", "{bind: \"127.0.0.1:0\"}")
                .build(),
            2);
    String server = "pool:back:server:" + echo.address();

    String idle = chromium("", "--dump-dom");
    assertThat(idle)
        .contains("<title>Sluice</title>")
        .contains("<div id=\"error\" style=\"display: none;\"></div>");
    assertThat(shown(idle, "listener:front:connections")).isEqualTo("0");
    assertThat(shown(idle, server + ":active")).isEqualTo("0");
    assertThat(shown(idle, server + ":queue_p99")).isEqualTo("-");

    SocketAddress front = sluice.boundAddresses("front").get(0);
    List<Socket> held = new ArrayList<>();
    try {
      for (int i = 0; i < 3; i++) {
        Socket client = keep(connect(front));
        client.getOutputStream().write('x');
        assertThat(client.getInputStream().read()).isEqualTo('x');
        held.add(client);
      }
      await().until(() -> sluice.view().listeners().get(0).connections() == 3);

      String loaded = chromium("", "--dump-dom");
      assertThat(shown(loaded, "listener:front:connections")).isEqualTo("3");
      assertThat(shown(loaded, server + ":active")).isEqualTo("3");
      // A slot was free for each: the wait is in the first bucket. Connects on loopback are quick.
      assertThat(shown(loaded, server + ":queue_p99")).isEqualTo("\u2264 100 \u00b5s");
      assertThat(shown(loaded, server + ":connect_p99")).matches("\u2264 [0-9.]+ (\u00b5s|ms)");
      // 3 of 4 is past the warning line: the server's bar is coloured.
      assertThat(loaded).contains("class=\"bar warn\"");

      Path screenshot = Path.of("target", "dashboard-phone.png").toAbsolutePath();
      Files.deleteIfExists(screenshot);
      chromium("", "--window-size=412,915", "--hide-scrollbars", "--screenshot=" + screenshot);
      assertThat(screenshot).exists();
      byte[] png = Files.readAllBytes(screenshot);
      assertThat(png.length).isGreaterThan(1000);
      assertThat(new String(png, 1, 3, StandardCharsets.US_ASCII)).isEqualTo("PNG");
    } finally {
      for (Socket socket : held) {
        socket.close();
      }
    }
  }

  @Test
  void readsTheFiguresWithTheTokenGivenInTheFragment() throws Exception {
    EchoServer echo = keep(new EchoServer());
    sluice =
        SluiceRuntime.start(
            TestConfigs.tcp()
                .server(echo.address())
                .top("admin", "{bind: \"127.0.0.1:0\", token: s3cret}")
                .build(),
            2);
    // The page itself holds no figures and loads without the token; the figures need it.
    HttpClient http = HttpClient.newHttpClient();
    HttpResponse<String> pageOnly =
        http.send(HttpRequest.newBuilder(URI.create(page())).build(), BodyHandlers.ofString());
    HttpResponse<String> figures =
        http.send(
            HttpRequest.newBuilder(URI.create(page() + "api/view")).build(),
            BodyHandlers.ofString());
    assertThat(pageOnly.statusCode()).isEqualTo(200);
    assertThat(pageOnly.body()).contains("<title>Sluice</title>");
    assertThat(pageOnly.headers().firstValue("Content-Security-Policy")).isPresent();
    assertThat(figures.statusCode()).isEqualTo(401);
    String withToken = chromium("#token=s3cret", "--dump-dom");
    assertThat(shown(withToken, "listener:front:connections")).isEqualTo("0");
  }
}
