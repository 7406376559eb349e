package io.sluice.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.runtime.SluiceRuntime;
import io.sluice.testing.EchoHttpServer;
import io.sluice.testing.H2load;
import io.sluice.testing.RawHttp;
import io.sluice.testing.RuntimeTest;
import io.sluice.testing.TestConfigs;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Clients that leave by shutting their side of the connection (FIN) rather than closing it: Sluice
 * must close its side too, or the connection stays in CLOSE_WAIT for ever, holding a descriptor and
 * its buffers. h2load ends its HTTP/2 runs this way; the soak found these piling up.
 */
class ClientHalfCloseIT extends RuntimeTest {
  @Test
  void anHttp2ClientThatShutsItsSideIsClosed() throws Exception {
    EchoHttpServer backend = keep(EchoHttpServer.start("a"));
    sluice = SluiceRuntime.start(TestConfigs.http().server(backend.address()).build(), 2);
    InetSocketAddress front = (InetSocketAddress) sluice.boundAddresses("front").get(0);

    try (Socket client = RawHttp.connect(front)) {
      client
          .getOutputStream()
          .write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      client.getOutputStream().write(new byte[] {0, 0, 0, 4, 0, 0, 0, 0, 0}); // empty SETTINGS
      client.shutdownOutput();
      InputStream in = client.getInputStream();
      long start = System.nanoTime();
      while (in.read() >= 0) {
        // Sluice's SETTINGS and GOAWAY, then the end
      }
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(4));
    }
  }

  @Test
  void h2loadLeavesNoConnectionOpen() throws Exception {
    EchoHttpServer backend = keep(EchoHttpServer.start("a"));
    sluice = SluiceRuntime.start(TestConfigs.http().server(backend.address()).build(), 2);
    String url = "http://" + sluice.boundAddressTexts("front").get(0) + "/";

    H2load.Result h2 = H2load.run("-D", "2", "-c", "4", "-m", "4", "--rps", "50", url);

    assertThat(h2.failed()).as(h2.out()).isZero();
    await("every client connection closed")
        .atMost(Duration.ofSeconds(5))
        .until(() -> sluice.view().connections() == 0);
  }
}
