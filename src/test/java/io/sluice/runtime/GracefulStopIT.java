package io.sluice.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.testing.EchoServer;
import io.sluice.testing.SluiceProcess;
import io.sluice.testing.Sockets;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SIGTERM: stop accepting, let open connections finish within drain_timeout, exit 0. */
class GracefulStopIT {
  @TempDir Path dir;

  private SluiceProcess startSluice(EchoServer echo, int port, String drainTimeout)
      throws Exception {
    Path config = dir.resolve("sluice.yaml");
    Files.writeString(
        config,
        """
        drain_timeout: %s
        access_log: {path: stdout}
        listeners:
          - name: front
            bind: ["127.0.0.1:%d"]
            protocol: tcp
            pool: back
        pools:
          - name: back
            servers:
              - address: %s
        """
            .formatted(drainTimeout, port, echo.address()));
    SluiceProcess sluice = SluiceProcess.start(dir, "run", "-c", config.toString());
    sluice.awaitOutput("listener front on", Duration.ofSeconds(30));
    return sluice;
  }

  private static int freePort() throws IOException {
    try (ServerSocket probe = new ServerSocket(0)) {
      return probe.getLocalPort();
    }
  }

  private static void assertEchoes(Socket client, String text) throws IOException {
    client.getOutputStream().write(text.getBytes());
    assertThat(new String(client.getInputStream().readNBytes(text.length()))).isEqualTo(text);
  }

  @Test
  void keepsServingAnOpenConnectionAfterSigtermRefusesNewOnesAndExitsZeroWhenItEnds()
      throws Exception {
    int port = freePort();
    try (EchoServer echo = new EchoServer();
        SluiceProcess sluice = startSluice(echo, port, "20s");
        Socket open = Sockets.connect(new InetSocketAddress("127.0.0.1", port))) {
      assertEchoes(open, "before");

      sluice.terminate();
      sluice.awaitOutput("stopped accepting", Duration.ofSeconds(10));

      assertThatThrownBy(() -> Sockets.connect(new InetSocketAddress("127.0.0.1", port)).close())
          .isInstanceOf(IOException.class);
      assertEchoes(open, "still served while draining");
      assertThat(sluice.isAlive()).isTrue();

      open.shutdownOutput();
      assertThat(open.getInputStream().read()).isEqualTo(-1);
      assertThat(sluice.awaitExit(Duration.ofSeconds(10))).isZero();
      assertThat(sluice.stdout()).contains(" front back/" + echo.address() + " ").contains(" -- ");
    }
  }

  @Test
  void closesWhatIsStillOpenAtTheDrainTimeoutAsKilledAndExitsZero() throws Exception {
    int port = freePort();
    try (EchoServer echo = new EchoServer();
        SluiceProcess sluice = startSluice(echo, port, "500ms");
        Socket open = Sockets.connect(new InetSocketAddress("127.0.0.1", port))) {
      assertEchoes(open, "hello");

      long started = System.nanoTime();
      sluice.terminate();
      assertThat(open.getInputStream().read()).isEqualTo(-1);
      long waitedMillis = (System.nanoTime() - started) / 1_000_000;

      assertThat(waitedMillis).isBetween(400L, 5_000L);
      assertThat(sluice.awaitExit(Duration.ofSeconds(10))).isZero();
      assertThat(sluice.stdout()).contains(" KD ");
    }
  }
}
