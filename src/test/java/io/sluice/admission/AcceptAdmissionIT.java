package io.sluice.admission;

import static io.sluice.testing.Sockets.connect;
import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.runtime.SluiceRuntime;
import io.sluice.testing.EchoServer;
import io.sluice.testing.TestConfigs;
import java.io.IOException;
import java.net.Socket;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Admission delays excess connections in the kernel backlog; it never refuses them. */
class AcceptAdmissionIT {
  private SluiceRuntime sluice;
  private EchoServer echo;

  @AfterEach
  void stop() throws Exception {
    if (sluice != null) {
      sluice.stop(Duration.ZERO);
    }
    if (echo != null) {
      echo.close();
    }
  }

  private SocketAddress start(TestConfigs config) throws Exception {
    echo = new EchoServer();
    sluice = SluiceRuntime.start(config.server(echo.address()).build(), 2);
    return sluice.boundAddresses("front").get(0);
  }

  /** Connects, and returns when its first byte came back through Sluice. */
  private static CompletableFuture<Long> servedAt(SocketAddress front, List<Socket> open) {
    return CompletableFuture.supplyAsync(
        () -> {
          try {
            Socket client = connect(front);
            synchronized (open) {
              open.add(client);
            }
            client.getOutputStream().write('x');
            if (client.getInputStream().read() != 'x') {
              throw new IllegalStateException("no echo");
            }
            return System.nanoTime();
          } catch (IOException e) {
            throw new IllegalStateException(e);
          }
        });
  }

  @Test
  void delaysConnectionsBeyondTheAcceptRateWithoutRefusingAny() throws Exception {
    SocketAddress front = start(TestConfigs.tcp().listener("accept_rate", "10/s"));
    List<Socket> open = new ArrayList<>();
    long started = System.nanoTime();
    List<CompletableFuture<Long>> clients = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      clients.add(servedAt(front, open));
    }
    long last = 0;
    for (CompletableFuture<Long> client : clients) {
      last = Math.max(last, client.get(20, TimeUnit.SECONDS));
    }
    long spreadMillis = TimeUnit.NANOSECONDS.toMillis(last - started);
    synchronized (open) {
      for (Socket socket : open) {
        socket.close();
      }
    }
    assertThat(echo.accepted()).isEqualTo(30);
    assertThat(spreadMillis).isBetween(1_900L, 6_000L);
  }

  @Test
  void holdsConnectionsAboveTheListenerLimitInTheBacklogUntilOneCloses() throws Exception {
    SocketAddress front = start(TestConfigs.tcp().maxConnections(2));
    List<Socket> open = new ArrayList<>();
    CompletableFuture<Long> first = servedAt(front, open);
    CompletableFuture<Long> second = servedAt(front, open);
    first.get(10, TimeUnit.SECONDS);
    second.get(10, TimeUnit.SECONDS);

    CompletableFuture<Long> third = servedAt(front, open);
    Thread.sleep(500);
    assertThat(third).isNotDone();
    assertThat(sluice.view().listeners().get(0).paused()).isTrue();

    synchronized (open) {
      open.get(0).close();
    }
    assertThat(third.get(10, TimeUnit.SECONDS)).isPositive();
    synchronized (open) {
      for (Socket socket : open) {
        socket.close();
      }
    }
    assertThat(echo.accepted()).isEqualTo(3);
  }

  @Test
  void holdsConnectionsAboveTheProcessLimitAcrossListeners() throws Exception {
    SocketAddress front = start(TestConfigs.tcp().top("max_connections", "1"));
    List<Socket> open = new ArrayList<>();
    servedAt(front, open).get(10, TimeUnit.SECONDS);
    CompletableFuture<Long> second = servedAt(front, open);
    Thread.sleep(500);
    assertThat(second).isNotDone();
    assertThat(sluice.view().connections()).isEqualTo(1);

    synchronized (open) {
      open.get(0).close();
    }
    assertThat(second.get(10, TimeUnit.SECONDS)).isPositive();
    synchronized (open) {
      for (Socket socket : open) {
        socket.close();
      }
    }
  }
}
