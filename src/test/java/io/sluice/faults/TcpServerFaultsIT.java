package io.sluice.faults;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.runtime.SluiceRuntime;
import io.sluice.testing.AccessLogFile;
import io.sluice.testing.FaultyHttpServer;
import io.sluice.testing.RawHttp;
import io.sluice.testing.RuntimeTest;
import io.sluice.testing.TestConfigs;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A server that resets mid-stream behind an L4 {@code tcp} listener: Sluice knows nothing of the
 * protocol's framing, so the client must learn of the abort as an abort (a reset), never as the
 * clean end of a stream whose last bytes simply never came; the line says {@code SD}. A server that
 * never answers is closed by {@code timeouts.idle} ({@code TcpRelayIT}); one that refuses or is
 * killed is replayed elsewhere when nothing came back yet ({@link ServerKilledUnderLoadIT}).
 */
class TcpServerFaultsIT extends RuntimeTest {
  @TempDir Path dir;

  @Test
  void aServerResetMidStreamResetsTheClientToo() throws Exception {
    FaultyHttpServer server = keep(FaultyHttpServer.start());
    AccessLogFile log = new AccessLogFile(dir.resolve("access.log"));
    sluice =
        SluiceRuntime.start(
            TestConfigs.tcp().server(server.address()).accessLogBlock(log.yaml()).build(), 2);
    InetSocketAddress front = (InetSocketAddress) sluice.boundAddresses("front").get(0);

    RawHttp.Response answer;
    try (Socket socket = RawHttp.connect(front)) {
      RawHttp.send(socket, "GET /reset?sent=5000&framing=close HTTP/1.1\r\nHost: x\r\n\r\n");
      answer = RawHttp.readUntilClosed(socket);
    }

    assertThat(answer.statusLine()).isEqualTo("HTTP/1.1 200 OK");
    assertThat(answer.bytes()).isLessThan(FaultyHttpServer.ANNOUNCED);
    assertThat(answer.reset()).as("the client connection ends in a reset").isTrue();
    assertThat(log.awaitLines(1)).containsExactly("SD");
  }
}
