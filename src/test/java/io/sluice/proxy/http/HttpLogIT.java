package io.sluice.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.runtime.SluiceRuntime;
import io.sluice.testing.Curl;
import io.sluice.testing.EchoHttpServer;
import io.sluice.testing.Peers;
import io.sluice.testing.RuntimeTest;
import io.sluice.testing.TestConfigs;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** HTTP access logs in HAProxy's httplog layout, read back by HAProxy's own halog. */
class HttpLogIT extends RuntimeTest {
  @TempDir Path dir;

  /**
   * halog's output for {@code log}; {@code -s -4}: halog expects syslog's five prefix fields, and
   * counts this way when there are none.
   */
  private static String halog(Path log, String... options) throws Exception {
    List<String> command = new java.util.ArrayList<>(List.of(Peers.require("halog"), "-s", "-4"));
    command.addAll(List.of(options));
    Process process =
        new ProcessBuilder(command).redirectInput(log.toFile()).redirectErrorStream(true).start();
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(10, TimeUnit.SECONDS)).isTrue();
    return out;
  }

  @Test
  void halogCountsStatusesAndTerminationStatesAsTheClientsSawThem() throws Exception {
    EchoHttpServer backend = keep(EchoHttpServer.start("a"));
    Path log = dir.resolve("access.log");
    String yaml =
        TestConfigs.http()
            .server(backend.address(), "max_connections: 1")
            .pool("queue", "{max: 0}")
            .accessLog(log.toString())
            .listener("routes", "[{hosts: [app.test], pool: back}]")
            .yaml()
            .replace("    pool: back\n    protocol", "    protocol");
    sluice = SluiceRuntime.start(io.sluice.config.ConfigLoader.parse(yaml, "t.yaml").config(), 2);
    String url = "http://" + sluice.boundAddressTexts("front").get(0);

    for (int i = 0; i < 5; i++) {
      assertThat(
              Curl.run("-o", "/dev/null", "-w", "%{http_code}", "-H", "Host: app.test", url + "/ok")
                  .out())
          .isEqualTo("200");
    }
    for (int i = 0; i < 3; i++) {
      assertThat(Curl.run("-o", "/dev/null", "-w", "%{http_code}", url + "/nowhere").out())
          .isEqualTo("404");
    }
    // One slow request holds the only slot; with no queue the next one is refused at once.
    Thread slow =
        new Thread(
            () -> {
              try {
                Curl.run("-H", "Host: app.test", url + "/?sleep=1500");
              } catch (Exception ignored) {
                // its outcome is in the log
              }
            });
    slow.start();
    Thread.sleep(500);
    assertThat(
            Curl.run("-o", "/dev/null", "-w", "%{http_code}", "-H", "Host: app.test", url + "/")
                .out())
        .isEqualTo("429");
    slow.join(10_000);
    sluice.stop(java.time.Duration.ZERO);
    sluice = null;

    String statuses = halog(log, "-st");
    String states = halog(log, "-tc");
    assertThat(statuses).contains("200 6").contains("404 3").contains("429 1");
    assertThat(states).contains("-- 6").contains("LR 3").contains("RQ 1");
    assertThat(Files.readAllLines(log)).hasSize(10).allMatch(line -> line.contains(" front "));
  }
}
