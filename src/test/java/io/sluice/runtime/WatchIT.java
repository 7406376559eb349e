package io.sluice.runtime;

import static io.sluice.testing.ConnectionLoop.echo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.config.ConfigLoader;
import io.sluice.net.InheritedSockets;
import io.sluice.testing.EchoServer;
import io.sluice.testing.RuntimeTest;
import io.sluice.testing.Sockets;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code watch: true}: a changed file is reloaded by itself; a broken one is refused. */
class WatchIT extends RuntimeTest {
  @TempDir Path dir;

  private static String config(int port, EchoServer server) {
    return """
        watch: true
        access_log: {path: "off"}
        listeners:
          - {name: front, bind: ["127.0.0.1:%d"], pool: back}
        pools:
          - name: back
            servers: [{address: "%s"}]
        """
        .formatted(port, server.address());
  }

  @Test
  void aWatchedFileIsReloadedWhenItChanges() throws Exception {
    EchoServer first = keep(new EchoServer());
    EchoServer second = keep(new EchoServer());
    int port = Sockets.freePort();
    Path file = dir.resolve("sluice.yaml");
    Files.writeString(file, config(port, first));
    sluice =
        SluiceRuntime.start(
            ConfigLoader.load(file).config(), 2, null, file, InheritedSockets.none());

    Files.writeString(file, "listeners: [oops");
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> sluice.view().lifecycle().failedReloads() == 1);
    Files.writeString(file, config(port, second));
    await().atMost(Duration.ofSeconds(10)).until(() -> sluice.view().lifecycle().reloads() == 1);

    try (Socket client = Sockets.connect(Sockets.loopback(port))) {
      echo(client, "to the second server");
    }
    assertThat(second.accepted()).isEqualTo(1);
  }
}
