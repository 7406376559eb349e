package io.sluice.proxy.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.channel.Channel;
import io.netty.channel.embedded.EmbeddedChannel;
import io.sluice.config.UpstreamTlsConfig;
import io.sluice.testing.TrackingAllocator;
import io.sluice.tls.UpstreamTls;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzzes what a server sends back to Sluice's TLS handshake (pools with {@code tls}): the client
 * handler {@link UpstreamTls} makes and {@link ServerHandshakeReader}. A server's bytes that cannot
 * finish the handshake, however they are cut, are reported exactly once as a failure, by the time
 * the connection closes at the latest and before any error reaches the relay, with every buffer
 * released: that report is what moves the connection on to another server.
 */
class ServerHandshakeFuzzTest {
  private static UpstreamTls tls;
  private final TrackingAllocator alloc = new TrackingAllocator();

  @BeforeAll
  static void start() throws Exception {
    tls =
        UpstreamTls.start(
            "fuzz",
            new UpstreamTlsConfig(null, true, null, "server.test", null, null, null, null),
            null);
  }

  @AfterAll
  static void stop() {
    if (tls != null) {
      tls.close();
    }
  }

  @FuzzTest
  @Timeout(10)
  void reportsAHandshakeTheServerCannotFinishOnceAsFailed(byte[] input) {
    run(input, new int[] {Integer.MAX_VALUE});
    run(input, new int[] {1, 6, 2, 30, 3});
  }

  private void run(byte[] input, int[] pieces) {
    List<Throwable> reports = new ArrayList<>();
    List<Throwable> early = new ArrayList<>();
    EmbeddedChannel server = new EmbeddedChannel();
    server.config().setAllocator(alloc);
    server
        .pipeline()
        .addLast(
            tls.newHandler(alloc, "server.test", 443, Duration.ofHours(1)),
            new ServerHandshakeReader(
                (Channel channel, Throwable cause) -> {
                  assertThat(channel).isSameAs(server);
                  reports.add(cause == null ? new IllegalStateException("no cause") : cause);
                }),
            new RelayStandIn(reports, early));
    server.runPendingTasks();
    server.releaseOutbound();
    int offset = 0;
    for (int i = 0; offset < input.length && server.isOpen(); i++) {
      int length = Math.min(pieces[i % pieces.length], input.length - offset);
      server.writeInbound(alloc.buffer(length).writeBytes(input, offset, length));
      server.runPendingTasks();
      server.releaseOutbound();
      offset += length;
    }
    server.close();
    server.runPendingTasks();
    server.finishAndReleaseAll();
    server.checkException();
    alloc.assertAllReleased("a server that sent " + input.length + " bytes");
    assertThat(reports).as("handshake reports").hasSize(1);
    assertThat(early).as("errors that reached the relay before the report").isEmpty();
  }

  /**
   * Where the relay stands once the handshake is over: the TLS handler's errors may follow the
   * failure report (the relay ignores a server connection given up), never precede it.
   */
  private static final class RelayStandIn extends io.netty.channel.ChannelInboundHandlerAdapter {
    private final List<Throwable> reports;
    private final List<Throwable> early;

    RelayStandIn(List<Throwable> reports, List<Throwable> early) {
      this.reports = reports;
      this.early = early;
    }

    @Override
    public void exceptionCaught(io.netty.channel.ChannelHandlerContext ctx, Throwable cause) {
      if (reports.isEmpty()) {
        early.add(cause);
      }
    }
  }
}
