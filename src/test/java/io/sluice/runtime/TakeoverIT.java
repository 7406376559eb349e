package io.sluice.runtime;

import static io.sluice.testing.ConnectionLoop.echo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.testing.ConnectionLoop;
import io.sluice.testing.EchoServer;
import io.sluice.testing.SluiceProcess;
import io.sluice.testing.Sockets;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hitless restart: a new process takes the listening sockets over from the running one while
 * clients keep connecting; no connection is refused or reset, and the old process finishes its open
 * connections and exits 0.
 */
class TakeoverIT {
  @TempDir Path dir;

  @Test
  void aNewProcessTakesTheSocketsOverWhileClientsConnectAndTheOldOneDrainsAndExitsZero()
      throws Exception {
    int port = Sockets.freePort();
    int adminPort = Sockets.freePort();
    Path control = dir.resolve("control.sock");
    Path file = dir.resolve("sluice.yaml");
    try (EchoServer echo = new EchoServer()) {
      int removedPort = Sockets.freePort();
      int addedPort = Sockets.freePort();
      Files.writeString(file, config(adminPort, port, "gone", removedPort, echo));
      // The new version drops the listener "gone" and adds "fresh".
      Path next = dir.resolve("next.yaml");
      Files.writeString(next, config(adminPort, port, "fresh", addedPort, echo));
      InetSocketAddress front = Sockets.loopback(port);
      try (SluiceProcess old =
          SluiceProcess.start(
              dir, "run", "-c", file.toString(), "--control-socket", control.toString())) {
        old.awaitOutput("control socket on", Duration.ofSeconds(30));
        List<Socket> longLived = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
          Socket socket = Sockets.connect(front);
          echo(socket, "long-lived " + i);
          longLived.add(socket);
        }

        ConnectionLoop loop = new ConnectionLoop(front, Duration.ofSeconds(3));
        loop.start();
        Thread.sleep(300);
        try (SluiceProcess successor =
            SluiceProcess.start(
                dir, "run", "-c", next.toString(), "--takeover", control.toString())) {
          successor.awaitOutput("took over from the process on", Duration.ofSeconds(30));
          old.awaitOutput("handed the listening sockets over", Duration.ofSeconds(10));
          loop.join(25_000);

          assertThat(loop.failed()).as("refused or reset connections").isZero();
          assertThat(loop.succeeded()).isPositive();

          for (Socket socket : longLived) {
            echo(socket, "still served by the old process");
          }
          assertThat(old.isAlive()).isTrue();
          for (Socket socket : longLived) {
            socket.shutdownOutput();
            assertThat(socket.getInputStream().read()).isEqualTo(-1);
            socket.close();
          }
          assertThat(old.awaitExit(Duration.ofSeconds(15))).isZero();

          try (Socket after = Sockets.connect(front)) {
            echo(after, "served by the new process");
          }
          try (Socket fresh = Sockets.connect(Sockets.loopback(addedPort))) {
            echo(fresh, "the added listener is bound");
          }
          assertThatThrownBy(() -> Sockets.connect(Sockets.loopback(removedPort)).close())
              .as("the removed listener's socket is closed once both processes let go of it")
              .isInstanceOf(IOException.class);
          successor.awaitOutput(
              Pattern.quote(" front back/" + echo.address() + " "), Duration.ofSeconds(5));
          // The old process freed the admin address for the successor.
          successor.awaitOutput("admin on http://127.0.0.1:" + adminPort, Duration.ofSeconds(5));
          // The successor serves the control socket for the next restart.
          successor.awaitOutput("control socket on", Duration.ofSeconds(5));
          successor.terminate();
          assertThat(successor.awaitExit(Duration.ofSeconds(15))).isZero();
        }
      }
    }
  }

  private static String config(
      int adminPort, int port, String otherName, int otherPort, EchoServer echo) {
    return """
        drain_timeout: 20s
        access_log: {path: stdout}
        admin: {bind: "127.0.0.1:%d"}
        listeners:
          - {name: front, bind: ["127.0.0.1:%d"], pool: back}
          - {name: %s, bind: ["127.0.0.1:%d"], pool: back}
        pools:
          - name: back
            servers: [{address: "%s"}]
        """
        .formatted(adminPort, port, otherName, otherPort, echo.address());
  }
}
