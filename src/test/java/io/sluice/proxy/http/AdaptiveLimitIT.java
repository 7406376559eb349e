package io.sluice.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.observe.LiveView;
import io.sluice.pool.Server;
import io.sluice.runtime.SluiceRuntime;
import io.sluice.testing.KeepAliveLoad;
import io.sluice.testing.RuntimeTest;
import io.sluice.testing.TestConfigs;
import io.sluice.testing.WorkerPoolHttpServer;
import java.net.InetSocketAddress;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Limits learned from a real server's latency, and set by what the server says. */
class AdaptiveLimitIT extends RuntimeTest {

  private InetSocketAddress start(WorkerPoolHttpServer backend, String serverKeys)
      throws Exception {
    sluice =
        SluiceRuntime.start(
            TestConfigs.http()
                .server(backend.address(), serverKeys)
                // Clients beyond the limit wait rather than being refused: this test is about the
                // limit, not the queue.
                .pool("queue", "{max: 1000, timeout: 20s, target: 20s}")
                .build(),
            2);
    return (InetSocketAddress) sluice.boundAddresses("front").get(0);
  }

  private Server server() {
    return sluice.pool("back").servers().get(0);
  }

  /** The limit's average over {@code seconds}, sampled every 50 ms. */
  private double averageLimit(double seconds) throws InterruptedException {
    long sum = 0;
    int samples = (int) (seconds * 20);
    for (int i = 0; i < samples; i++) {
      Thread.sleep(50);
      sum += server().maxConnections();
    }
    return (double) sum / samples;
  }

  @Test
  void theLimitSettlesNearTheServersWorkerCountAndFollowsItWhenResized() throws Exception {
    WorkerPoolHttpServer backend = keep(WorkerPoolHttpServer.start(4, 20));
    InetSocketAddress address = start(backend, "max_connections: adaptive");
    try (KeepAliveLoad load = KeepAliveLoad.start(address, 48, 60)) {
      Thread.sleep(3_000);
      double fourWorkers = averageLimit(2);
      assertThat(fourWorkers).as("limit with 4 workers").isBetween(3.0, 18.0);
      // What the limit learns from is in the live view (and so the API, metrics and dashboard):
      // the no-load round trip near the server's 20 ms, the recent one above it under load.
      LiveView.Learned learned = sluice.view().pools().get(0).servers().get(0).learned();
      assertThat(learned).isNotNull();
      assertThat(learned.noLoadMillis()).isBetween(15.0, 200.0);
      assertThat(learned.recentMillis()).isGreaterThanOrEqualTo(learned.noLoadMillis() * 0.9);
      assertThat(learned.min()).isEqualTo(1);

      backend.resize(16);
      Thread.sleep(4_000);
      double sixteenWorkers = averageLimit(2);
      // Up to twice the clients in flight: past that every sample is app-limited and the limit
      // stops growing, whatever the server could take.
      assertThat(sixteenWorkers).as("limit with 16 workers").isBetween(12.0, 96.0);
      assertThat(sixteenWorkers).isGreaterThan(fourWorkers + 4);

      backend.resize(4);
      Thread.sleep(4_000);
      assertThat(averageLimit(2)).as("limit back at 4 workers").isLessThan(sixteenWorkers - 4);
      assertThat(load.refused()).isZero();
    }
    assertThat(sluice.view().pools().get(0).servers().get(0).maxConnections())
        .isEqualTo(server().maxConnections());
  }

  @Test
  void aCapacityHeaderSetsTheLimitWithinItsBounds() throws Exception {
    WorkerPoolHttpServer backend = keep(WorkerPoolHttpServer.start(8, 5));
    backend.header("Sluice-Capacity", "3");
    InetSocketAddress address =
        start(backend, "max_connections: adaptive, adaptive: {min: 2, max: 30}");
    try (KeepAliveLoad load = KeepAliveLoad.start(address, 2, 30)) {
      await().atMost(Duration.ofSeconds(10)).until(() -> server().maxConnections() <= 4);
      backend.header("Sluice-Capacity", "1");
      await().atMost(Duration.ofSeconds(10)).until(() -> server().maxConnections() == 2);
      assertThat(load.ok()).isPositive();
    }
  }

  @Test
  void aCapacityHeaderCapsAConfiguredLimit() throws Exception {
    WorkerPoolHttpServer backend = keep(WorkerPoolHttpServer.start(8, 5));
    backend.header("Sluice-Capacity", "3");
    InetSocketAddress address = start(backend, "max_connections: 10");
    try (KeepAliveLoad load = KeepAliveLoad.start(address, 2, 30)) {
      await().atMost(Duration.ofSeconds(10)).until(() -> server().maxConnections() == 3);
      backend.header("Sluice-Capacity", "50");
      await().atMost(Duration.ofSeconds(10)).until(() -> server().maxConnections() == 10);
      assertThat(load.ok()).isPositive();
    }
  }
}
