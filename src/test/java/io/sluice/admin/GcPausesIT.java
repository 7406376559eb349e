package io.sluice.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.runtime.SluiceRuntime;
import io.sluice.testing.EchoServer;
import io.sluice.testing.MetricsScrape;
import io.sluice.testing.Peers;
import io.sluice.testing.RuntimeTest;
import io.sluice.testing.SluiceProcess;
import io.sluice.testing.TestConfigs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The garbage collector's pauses as scraped: in-process after {@code System.gc()}, and in Sluice as
 * the launcher runs it, on ZGC, where a forced collection's pauses count and its concurrent cycle
 * does not.
 */
class GcPausesIT extends RuntimeTest {
  @TempDir Path dir;

  private int adminPort() {
    return sluice.adminAddress().getPort();
  }

  @Test
  void garbageCollectorPausesAndTheJvmsOwnFiguresAreScraped() throws Exception {
    EchoServer echo = keep(new EchoServer());
    sluice =
        SluiceRuntime.start(
            TestConfigs.tcp()
                .server(echo.address())
                .top("admin", "{bind: \"127.0.0.1:0\"}")
                .build(),
            2);
    MetricsScrape before = MetricsScrape.of(adminPort());
    double pauses = before.value("sluice_gc_pause_seconds_count");
    System.gc();
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> MetricsScrape.of(adminPort()).value("sluice_gc_pause_seconds_count") > pauses);
    MetricsScrape after = MetricsScrape.of(adminPort());
    assertThat(after.value("sluice_gc_pause_seconds_bucket{le=\"+Inf\"}"))
        .isEqualTo(after.value("sluice_gc_pause_seconds_count"));
    assertThat(after.value("sluice_gc_pause_max_seconds")).isBetween(0.0, 10.0);
    assertThat(after.value("sluice_gc_pause_seconds_sum")).isGreaterThanOrEqualTo(0);
    assertThat(after.has("jvm_memory_used_bytes{")).isTrue();
    assertThat(after.has("process_open_fds ")).isTrue();
  }

  @Test
  void countsZgcPausesAndNotItsConcurrentCycles() throws Exception {
    Path jdkJcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    String jcmd = Files.isExecutable(jdkJcmd) ? jdkJcmd.toString() : Peers.require("jcmd");
    try (EchoServer echo = new EchoServer()) {
      Path config = dir.resolve("sluice.yaml");
      Files.writeString(
          config,
          """
          access_log: {path: "off"}
          admin: {bind: "127.0.0.1:0"}
          listeners: [{name: front, bind: ["127.0.0.1:0"], pool: back}]
          pools: [{name: back, servers: [{address: "%s"}]}]
          """
              .formatted(echo.address()));
      try (SluiceProcess sluice =
          SluiceProcess.start(
              dir, Map.of("JAVA_TOOL_OPTIONS", "-XX:+UseZGC"), "run", "-c", config.toString())) {
        int port =
            Integer.parseInt(
                sluice.awaitOutput(
                    "admin on http://127\\.0\\.0\\.1:(\\d+)/", Duration.ofSeconds(30)));
        MetricsScrape before = MetricsScrape.of(port);
        double pauses = before.value("sluice_gc_pause_seconds_count");
        double zgcPauses = before.value("jvm_gc_collection_seconds_count{gc=\"ZGC Pauses\"}");
        double zgcCycles = before.value("jvm_gc_collection_seconds_count{gc=\"ZGC Cycles\"}");

        Process gc =
            new ProcessBuilder(jcmd, Long.toString(sluice.pid()), "GC.run")
                .redirectErrorStream(true)
                .start();
        assertThat(gc.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(gc.exitValue()).isZero();

        // The JVM counts a pause before its notification arrives: wait until both agree.
        await()
            .atMost(Duration.ofSeconds(15))
            .until(
                () -> {
                  MetricsScrape after = MetricsScrape.of(port);
                  double counted = after.value("sluice_gc_pause_seconds_count") - pauses;
                  double jvmPauses =
                      after.value("jvm_gc_collection_seconds_count{gc=\"ZGC Pauses\"}") - zgcPauses;
                  double cycles =
                      after.value("jvm_gc_collection_seconds_count{gc=\"ZGC Cycles\"}") - zgcCycles;
                  return cycles >= 1 && counted >= 1 && counted == jvmPauses;
                });
        MetricsScrape after = MetricsScrape.of(port);
        assertThat(after.value("sluice_gc_pause_max_seconds")).isBetween(0.0, 1.0);
      }
    }
  }
}
