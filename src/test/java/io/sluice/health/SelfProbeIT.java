package io.sluice.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.util.concurrent.EventExecutor;
import io.sluice.observe.LiveView;
import io.sluice.runtime.SluiceRuntime;
import io.sluice.testing.EchoServer;
import io.sluice.testing.RuntimeTest;
import io.sluice.testing.TestCertificates;
import io.sluice.testing.TestCertificates.Issued;
import io.sluice.testing.TestCertificates.KeyType;
import io.sluice.testing.TestConfigs;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Sluice connecting to its own listeners, and readiness that follows the answers. */
class SelfProbeIT extends RuntimeTest {
  @TempDir Path dir;

  private final HttpClient http = HttpClient.newHttpClient();

  private int get(String path) throws Exception {
    return http.send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + sluice.adminAddress().getPort() + path))
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .statusCode();
  }

  private String metrics() throws Exception {
    return http.send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + sluice.adminAddress().getPort() + "/metrics"))
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }

  private LiveView.ProbeLoad probe() {
    return sluice.view().listeners().get(0).probe();
  }

  @Test
  void probesAListenerThatRequiresAProxyHeaderAndReportsItReady() throws Exception {
    EchoServer echo = keep(new EchoServer());
    sluice =
        SluiceRuntime.start(
            TestConfigs.tcp()
                .server(echo.address())
                .acceptProxy()
                .top("admin", "{bind: \"127.0.0.1:0\"}")
                .top("self_probe", "{enabled: true, interval: 200ms, timeout: 1s}")
                .build(),
            2);

    await().until(() -> probe() != null && probe().ok());
    assertThat(get("/readyz")).isEqualTo(200);
    assertThat(metrics()).contains("sluice_listener_probe_up{listener=\"front\"} 1.0");
    // The probe went through the listener to a server, PROXY header and all.
    await().until(() -> echo.accepted() >= 1);
    assertThat(sluice.stats("front").terminations().snapshot())
        .doesNotContainKey(io.sluice.observe.TerminationState.PROXY_REJECTED_REQUEST);
  }

  @Test
  void aTlsListenerWhoseLoopsAreStuckIsNotReadyUntilTheyTurnAgain() throws Exception {
    EchoServer echo = keep(new EchoServer());
    Issued cert = new TestCertificates(dir).selfSigned("probe", KeyType.P256, "probe.test");
    sluice =
        SluiceRuntime.start(
            TestConfigs.tcp()
                .tls(
                    "{certificates: [{cert: \""
                        + cert.cert()
                        + "\", key: \""
                        + cert.key()
                        + "\"}]}")
                .server(echo.address())
                .top("admin", "{bind: \"127.0.0.1:0\"}")
                .top("self_probe", "{enabled: true, interval: 200ms, timeout: 500ms}")
                .build(),
            1);
    await().until(() -> probe() != null && probe().ok());
    assertThat(get("/readyz")).isEqualTo(200);

    // The kernel still accepts connections for a stuck loop; only the handshake shows it.
    CountDownLatch release = new CountDownLatch(1);
    List<EventExecutor> loops = new ArrayList<>();
    sluice.trafficLoopsForTests().forEach(loops::add);
    for (EventExecutor loop : loops) {
      loop.execute(
          () -> {
            try {
              release.await();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          });
    }
    try {
      await().atMost(Duration.ofSeconds(10)).until(() -> !probe().ok());
      assertThat(get("/readyz")).isEqualTo(503);
      assertThat(probe().error()).isNotBlank();
      assertThat(metrics()).contains("sluice_listener_probe_up{listener=\"front\"} 0.0");
    } finally {
      release.countDown();
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> probe().ok());
    assertThat(get("/readyz")).isEqualTo(200);
    assertThat(probe().failures()).isGreaterThanOrEqualTo(1);
  }
}
