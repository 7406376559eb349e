package io.sluice.pool;

import static io.sluice.testing.Sockets.connect;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.observe.TerminationState;
import io.sluice.proxy.tcp.RelayStats;
import io.sluice.runtime.SluiceRuntime;
import io.sluice.testing.EchoServer;
import io.sluice.testing.RuntimeTest;
import io.sluice.testing.TestConfigs;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Per-server limits, the pool's queue and retries, against real sockets. */
class PoolLimitsIT extends RuntimeTest {

  private SocketAddress start(TestConfigs config) throws Exception {
    sluice = SluiceRuntime.start(config.build(), 2);
    return sluice.boundAddresses("front").get(0);
  }

  private RelayStats stats() {
    return sluice.stats("front");
  }

  private static boolean echoes(Socket client, String text) throws IOException {
    client.getOutputStream().write(text.getBytes());
    byte[] back = client.getInputStream().readNBytes(text.length());
    return new String(back).equals(text);
  }

  private static String closedPort() throws IOException {
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return "127.0.0.1:" + probe.getLocalPort();
    }
  }

  @Test
  void refusesASecondConnectionAtOnceWhenTheServerIsAtItsLimitAndTheQueueIsOff() throws Exception {
    EchoServer echo = keep(new EchoServer());
    SocketAddress front =
        start(
            TestConfigs.tcp()
                .server(echo.address(), "max_connections: 1")
                .pool("queue", "{max: 0}"));

    try (Socket first = connect(front)) {
      assertThat(echoes(first, "one")).isTrue();
      try (Socket second = connect(front)) {
        long started = System.nanoTime();
        assertThat(second.getInputStream().read()).isEqualTo(-1);
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)).isLessThan(500);
      }
      assertThat(echo.accepted()).isEqualTo(1);
    }
    await()
        .until(() -> stats().terminations().get(TerminationState.RESOURCE_LIMIT_DURING_QUEUE) == 1);
  }

  @Test
  void handsFreedSlotsToQueuedConnectionsInArrivalOrder() throws Exception {
    EchoServer echo = keep(new EchoServer());
    SocketAddress front =
        start(
            TestConfigs.tcp()
                .server(echo.address(), "max_connections: 1")
                // The waiters join one by one into a queue that stands: CoDel's target as long as
                // the timeout, so order alone is tested.
                .pool("queue", "{max: 10, timeout: 10s, target: 10s}"));

    Socket holder = keep(connect(front));
    assertThat(echoes(holder, "first")).isTrue();
    List<Socket> queued = new ArrayList<>();
    List<CompletableFuture<Long>> servedAt = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      Socket client = keep(connect(front));
      queued.add(client);
      await().until(() -> sluice.pool("back").queue().length() == queued.size());
      servedAt.add(
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  assertThat(echoes(client, "x")).isTrue();
                  return System.nanoTime();
                } catch (IOException e) {
                  throw new IllegalStateException(e);
                }
              }));
    }
    holder.close();
    for (int i = 0; i < 3; i++) {
      long at = servedAt.get(i).get(10, TimeUnit.SECONDS);
      for (int later = i + 1; later < 3; later++) {
        assertThat(servedAt.get(later)).isNotDone();
      }
      queued.get(i).close();
      assertThat(at).isPositive();
    }
    assertThat(echo.accepted()).isEqualTo(4);
  }

  @Test
  void endsAConnectionThatWaitedTheWholeQueueTimeoutAsServerQueueTimeout() throws Exception {
    EchoServer echo = keep(new EchoServer());
    SocketAddress front =
        start(
            TestConfigs.tcp()
                .server(echo.address(), "max_connections: 1")
                .pool("queue", "{max: 5, timeout: 300ms}"));

    try (Socket holder = connect(front)) {
      assertThat(echoes(holder, "held")).isTrue();
      Socket waiting = keep(connect(front));
      long started = System.nanoTime();
      assertThat(waiting.getInputStream().read()).isEqualTo(-1);
      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started))
          .isBetween(250L, 2_000L);
    }
    await()
        .until(() -> stats().terminations().get(TerminationState.SERVER_TIMEOUT_DURING_QUEUE) == 1);
  }

  @Test
  void refusesAtOnceWhenTheQueueIsFull() throws Exception {
    EchoServer echo = keep(new EchoServer());
    SocketAddress front =
        start(
            TestConfigs.tcp()
                .server(echo.address(), "max_connections: 1")
                .pool("queue", "{max: 1, timeout: 10s}"));

    Socket holder = keep(connect(front));
    assertThat(echoes(holder, "held")).isTrue();
    keep(connect(front));
    await().until(() -> sluice.pool("back").queue().length() == 1);
    try (Socket third = connect(front)) {
      assertThat(third.getInputStream().read()).isEqualTo(-1);
    }
    // The session closes the client before it counts: the count may trail the EOF a little.
    await()
        .until(() -> stats().terminations().get(TerminationState.RESOURCE_LIMIT_DURING_QUEUE) == 1);
  }

  @Test
  void retriesARefusedServerOnAnotherSoTheClientNeverNotices() throws Exception {
    EchoServer echo = keep(new EchoServer());
    SocketAddress front =
        start(
            TestConfigs.tcp()
                .server(closedPort())
                .server(echo.address())
                .pool("outlier", "{consecutive_failures: 0}"));

    for (int i = 0; i < 20; i++) {
      try (Socket client = connect(front)) {
        assertThat(echoes(client, "hello " + i)).isTrue();
      }
    }
    assertThat(echo.accepted()).isEqualTo(20);
    // Round robin sends every other connection to the refused server first: ten retries, none
    // seen by a client.
    assertThat(sluice.pool("back").retryBudget().granted()).isEqualTo(10);
    assertThat(stats().terminations().get(TerminationState.SERVER_REFUSED_DURING_CONNECT)).isZero();
  }

  @Test
  void outlierDetectionEjectsTheRefusingServerSoRetriesStop() throws Exception {
    EchoServer echo = keep(new EchoServer());
    SocketAddress front =
        start(
            TestConfigs.tcp()
                .server(closedPort())
                .server(echo.address())
                .pool("outlier", "{consecutive_failures: 5, base_ejection: 1m}"));

    for (int i = 0; i < 20; i++) {
      try (Socket client = connect(front)) {
        assertThat(echoes(client, "hello " + i)).isTrue();
      }
    }
    assertThat(sluice.pool("back").servers().get(0).ejected()).isTrue();
    assertThat(sluice.pool("back").retryBudget().granted()).isEqualTo(5);
  }

  @Test
  void theRetryBudgetStopsRetriesWhenMostAttemptsFail() throws Exception {
    SocketAddress front =
        start(
            TestConfigs.tcp()
                .server(closedPort())
                .server(closedPort())
                .server(closedPort())
                .pool("retry", "{attempts: 2, budget: 20%, min_per_second: 0}")
                .pool("outlier", "{consecutive_failures: 0}"));

    for (int i = 0; i < 50; i++) {
      try (Socket client = connect(front)) {
        assertThat(client.getInputStream().read()).isEqualTo(-1);
      }
    }
    await()
        .until(
            () -> stats().terminations().get(TerminationState.SERVER_REFUSED_DURING_CONNECT) == 50);
    // Without the budget every connection would have retried twice: 100 extra connects.
    assertThat(sluice.pool("back").retryBudget().granted()).isBetween(5L, 10L);
  }
}
