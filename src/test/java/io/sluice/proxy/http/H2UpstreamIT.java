package io.sluice.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.pool.ServerStats;
import io.sluice.runtime.SluiceRuntime;
import io.sluice.testing.Curl;
import io.sluice.testing.Peers;
import io.sluice.testing.RuntimeTest;
import io.sluice.testing.Sockets;
import io.sluice.testing.TestConfigs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** HTTP/2 towards servers, with nginx speaking h2c behind Sluice. */
class H2UpstreamIT extends RuntimeTest {
  @TempDir Path dir;

  /** nginx on a free loopback port: h2c, answering with the protocol it was spoken to in. */
  private String nginx() throws Exception {
    String nginx = Peers.require("nginx");
    int port = Sockets.freePort();
    Files.write(dir.resolve("big"), Sockets.randomBytes(8 * 1024 * 1024, 3));
    Files.writeString(
        dir.resolve("nginx.conf"),
        "worker_processes 1;\ndaemon off;\nmaster_process off;\npid "
            + dir.resolve("nginx.pid")
            + ";\nerror_log "
            + dir.resolve("error.log")
            + ";\nevents { worker_connections 256; }\nhttp {\n access_log off;\n"
            + " client_body_temp_path "
            + dir
            + "; proxy_temp_path "
            + dir
            + "; fastcgi_temp_path "
            + dir
            + "; uwsgi_temp_path "
            + dir
            + "; scgi_temp_path "
            + dir
            + ";\n server {\n  listen 127.0.0.1:"
            + port
            + " http2;\n  root "
            + dir
            + ";\n  location = /proto { return 200 \"$server_protocol\\n\"; }\n }\n}\n");
    Process process =
        new ProcessBuilder(nginx, "-c", dir.resolve("nginx.conf").toString(), "-p", dir.toString())
            .redirectErrorStream(true)
            .start();
    keep(
        () -> {
          process.destroy();
          process.waitFor(5, TimeUnit.SECONDS);
        });
    awaitPort(port);
    return "127.0.0.1:" + port;
  }

  /** Caddy on a free loopback port, speaking HTTP/1.1 and h2c, answering with the protocol. */
  private String caddy() throws Exception {
    String caddy = Peers.require("caddy");
    int port = Sockets.freePort();
    Files.writeString(
        dir.resolve("Caddyfile"),
        "{\n  admin off\n  auto_https off\n  servers {\n    protocols h1 h2c\n  }\n}\n"
            + "http://127.0.0.1:"
            + port
            + " {\n  respond \"{http.request.proto}\"\n}\n");
    Process process =
        new ProcessBuilder(
                caddy,
                "run",
                "--config",
                dir.resolve("Caddyfile").toString(),
                "--adapter",
                "caddyfile")
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("caddy.log").toFile())
            .start();
    keep(
        () -> {
          process.destroy();
          process.waitFor(5, TimeUnit.SECONDS);
        });
    awaitPort(port);
    return "127.0.0.1:" + port;
  }

  private static void awaitPort(int port) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (true) {
      try (java.net.Socket probe = new java.net.Socket()) {
        probe.connect(Sockets.loopback(port), 200);
        return;
      } catch (java.io.IOException notYet) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("port " + port + " did not open");
        }
        Thread.sleep(50);
      }
    }
  }

  private String start(TestConfigs config) throws Exception {
    sluice = SluiceRuntime.start(config.build(), 2);
    return "http://" + sluice.boundAddressTexts("front").get(0);
  }

  @Test
  void requestsTravelAsStreamsOfOneConnectionPerServer() throws Exception {
    String url = start(TestConfigs.http().server(nginx()).pool("http", "{protocol: h2}"));

    Curl.Result h1 = Curl.run(url + "/proto", url + "/proto");
    Curl.Result big =
        Curl.run("--http2-prior-knowledge", url + "/big", "-o", dir.resolve("got").toString());

    assertThat(h1.out()).isEqualTo("HTTP/2.0\nHTTP/2.0\n");
    assertThat(big.exit()).isZero();
    assertThat(Sockets.sha256(Files.readAllBytes(dir.resolve("got"))))
        .isEqualTo(Sockets.sha256(Files.readAllBytes(dir.resolve("big"))));
    // Three streams over at most one new connection per event loop (two loops).
    ServerStats stats = sluice.pool("back").servers().get(0).stats();
    assertThat(stats.connect().count()).isBetween(1L, 2L);
    assertThat(stats.queueWait().count()).isEqualTo(3);
    assertThat(stats.firstByte().count()).isEqualTo(3);
    assertThat(stats.responseBody().count()).isEqualTo(3);
    assertThat(stats.responses(2)).isEqualTo(3);
  }

  @Test
  void sameAsClientFollowsTheClientsProtocol() throws Exception {
    String url =
        start(TestConfigs.http().server(caddy()).pool("http", "{protocol: same_as_client}"));

    assertThat(Curl.run(url + "/proto").out()).isEqualTo("HTTP/1.1");
    assertThat(Curl.run("--http2-prior-knowledge", url + "/proto").out()).isEqualTo("HTTP/2.0");
  }
}
