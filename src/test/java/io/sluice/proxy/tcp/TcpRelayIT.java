package io.sluice.proxy.tcp;

import static io.sluice.testing.Sockets.connect;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.channel.epoll.Epoll;
import io.sluice.config.Config;
import io.sluice.observe.TerminationState;
import io.sluice.runtime.SluiceRuntime;
import io.sluice.testing.EchoServer;
import io.sluice.testing.RuntimeTest;
import io.sluice.testing.Sockets;
import io.sluice.testing.TestConfigs;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TcpRelayIT extends RuntimeTest {

  private SocketAddress start(Config config) throws Exception {
    sluice = SluiceRuntime.start(config, 2);
    return sluice.boundAddresses("front").get(0);
  }

  private RelayStats stats() {
    return sluice.stats("front");
  }

  @ParameterizedTest(name = "splice: {0}")
  @ValueSource(strings = {"auto", "off"})
  void relaysLargeRandomPayloadBothWaysIntact(String splice) throws Exception {
    EchoServer echo = keep(new EchoServer());
    SocketAddress front =
        start(TestConfigs.tcp().server(echo.address()).listener("splice", splice).build());
    byte[] payload = Sockets.randomBytes(24 * 1024 * 1024, 42);

    try (Socket client = connect(front)) {
      CompletableFuture<Void> upload =
          CompletableFuture.runAsync(
              () -> {
                try {
                  OutputStream out = client.getOutputStream();
                  for (int offset = 0; offset < payload.length; offset += 100_000) {
                    out.write(payload, offset, Math.min(100_000, payload.length - offset));
                  }
                  client.shutdownOutput();
                } catch (IOException e) {
                  throw new IllegalStateException(e);
                }
              });
      String[] echoed = Sockets.drainWithDigest(client.getInputStream());
      upload.get(30, TimeUnit.SECONDS);

      assertThat(echoed[1]).isEqualTo(Integer.toString(payload.length));
      assertThat(echoed[0]).isEqualTo(Sockets.sha256(payload));
    }
    await().until(() -> stats().terminations().get(TerminationState.NORMAL) == 1);
    assertThat(stats().bytesFromClients()).isEqualTo(payload.length);
    assertThat(stats().bytesToClients()).isEqualTo(payload.length);
    assertThat(stats().spliced()).isEqualTo(splices(splice));
  }

  /** How many connections a listener with {@code splice} splices of one bulk transfer. */
  private static long splices(String splice) {
    return splice.equals("auto") && Epoll.isAvailable() ? 1 : 0;
  }

  @Test
  void passesHalfCloseThroughSoTheServerCanAnswerAfterTheClientsEnd() throws Exception {
    ReplyAfterEndServer server = keep(new ReplyAfterEndServer());
    SocketAddress front = start(TestConfigs.tcp().server(server.address()).build());

    try (Socket client = connect(front)) {
      client.getOutputStream().write("twelve bytes".getBytes(StandardCharsets.US_ASCII));
      client.shutdownOutput();
      String reply = new String(client.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);

      assertThat(reply).isEqualTo("read 12 bytes");
    }
    await().until(() -> stats().terminations().get(TerminationState.NORMAL) == 1);
  }

  @Test
  void holdsAtMostAboutOneWriteBufferForAReaderThatStalls() throws Exception {
    int size = 64 * 1024 * 1024;
    FirehoseServer firehose = keep(new FirehoseServer(size));
    // The copying relay's bound; SpliceRelayIT has the spliced relay's.
    SocketAddress front =
        start(TestConfigs.tcp().server(firehose.address()).listener("splice", "off").build());

    try (Socket client = new Socket()) {
      client.setReceiveBufferSize(64 * 1024);
      client.connect(front, 5_000);
      client.setSoTimeout(20_000);
      Thread.sleep(1_000); // the reader stalls while the server pushes as fast as it can
      byte[] received = client.getInputStream().readNBytes(size);
      client.shutdownOutput();

      assertThat(Sockets.sha256(received)).isEqualTo(firehose.sha256());
      assertThat(client.getInputStream().read()).isEqualTo(-1);
    }
    await().until(() -> stats().terminations().get(TerminationState.NORMAL) == 1);
    // High-water mark (64 KiB) plus at most one read that crossed it.
    assertThat(stats().maxQueuedBytes()).isBetween(1L, 192L * 1024);
  }

  @ParameterizedTest(name = "splice: {0}")
  @ValueSource(strings = {"auto", "off"})
  void aSlowDownloadThatKeepsDrainingIsNotIdle(String splice) throws Exception {
    int size = 4 * 1024 * 1024;
    FirehoseServer firehose = keep(new FirehoseServer(size));
    SocketAddress front =
        start(
            TestConfigs.tcp()
                .server(firehose.address())
                .idle(Duration.ofMillis(300))
                .listener("splice", splice)
                .build());

    try (Socket client = new Socket()) {
      client.setReceiveBufferSize(32 * 1024);
      client.connect(front, 5_000);
      client.setSoTimeout(20_000);
      InputStream in = client.getInputStream();
      byte[] chunk = new byte[16 * 1024];
      long total = 0;
      int n;
      while (total < size && (n = in.read(chunk)) >= 0) { // ~1 MB/s: several idle timeouts long
        total += n;
        Thread.sleep(n >= chunk.length ? 15 : 0);
      }
      assertThat(total).isEqualTo(size);
      client.shutdownOutput();
      assertThat(in.read()).isEqualTo(-1);
    }
    await().until(() -> stats().terminations().get(TerminationState.NORMAL) == 1);
    assertThat(stats().terminations().get(TerminationState.CLIENT_TIMEOUT_DURING_DATA)).isZero();
    assertThat(stats().spliced()).isEqualTo(splices(splice));
  }

  @Test
  void closesAConnectionWithoutProgressAfterTheIdleTimeout() throws Exception {
    EchoServer echo = keep(new EchoServer());
    SocketAddress front =
        start(TestConfigs.tcp().server(echo.address()).idle(Duration.ofMillis(300)).build());

    try (Socket client = connect(front)) {
      long started = System.nanoTime();
      assertThat(client.getInputStream().read()).isEqualTo(-1);
      long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);

      assertThat(elapsedMillis).isBetween(250L, 2_000L);
    }
    await()
        .until(() -> stats().terminations().get(TerminationState.CLIENT_TIMEOUT_DURING_DATA) == 1);
  }

  @Test
  void endsAsServerConnectFailureWhenTheServerRefuses() throws Exception {
    int closedPort;
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = probe.getLocalPort();
    }
    SocketAddress front = start(TestConfigs.tcp().server("127.0.0.1:" + closedPort).build());

    try (Socket client = connect(front)) {
      assertThat(client.getInputStream().read()).isEqualTo(-1);
    }
    await()
        .until(
            () -> stats().terminations().get(TerminationState.SERVER_REFUSED_DURING_CONNECT) == 1);
  }

  @Test
  void endsAsServerConnectTimeoutWhenTheServerNeverAnswersTheHandshake() throws Exception {
    ServerSocket full = keep(new ServerSocket(0, 1, InetAddress.getLoopbackAddress()));
    // Fill the accept queue (never accepted): the kernel then drops further SYNs.
    for (int i = 0; i < 4; i++) {
      Socket filler = new Socket();
      try {
        filler.connect(full.getLocalSocketAddress(), 200);
        keep(filler);
      } catch (IOException timedOut) {
        filler.close();
      }
    }
    SocketAddress front =
        start(
            TestConfigs.tcp()
                .server("127.0.0.1:" + full.getLocalPort())
                .connectTimeout(Duration.ofMillis(300))
                .build());

    try (Socket client = connect(front)) {
      long started = System.nanoTime();
      assertThat(client.getInputStream().read()).isEqualTo(-1);
      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started))
          .isBetween(250L, 2_000L);
    }
    await()
        .until(
            () -> stats().terminations().get(TerminationState.SERVER_TIMEOUT_DURING_CONNECT) == 1);
  }

  @Test
  void writesOneAccessLogLinePerConnectionWithBytesAndState(@TempDir Path dir) throws Exception {
    EchoServer echo = keep(new EchoServer());
    Path log = dir.resolve("access.log");
    SocketAddress front =
        start(TestConfigs.tcp().server(echo.address()).accessLog(log.toString()).build());

    try (Socket client = connect(front)) {
      client.getOutputStream().write(new byte[1234]);
      client.shutdownOutput();
      client.getInputStream().readAllBytes();
    }
    await().until(() -> sluice.accessLog().written() == 1);
    sluice.stop(Duration.ZERO);

    String line = Files.readString(log).strip();
    assertThat(line)
        .matches(
            "127\\.0\\.0\\.1:\\d+ \\[\\d\\d/\\w{3}/\\d{4}:\\d\\d:\\d\\d:\\d\\d\\.\\d{3}\\] front back/"
                + echo.address().replace(".", "\\.")
                + " 0/\\d+/\\d+ 1234 -- 1234");
  }

  /** Reads to the client's end, then answers with how much it read and closes. */
  private static final class ReplyAfterEndServer implements AutoCloseable {
    private final ServerSocket socket;

    ReplyAfterEndServer() throws IOException {
      socket = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
      Thread thread =
          new Thread(
              () -> {
                try (Socket conn = socket.accept()) {
                  int read = conn.getInputStream().readAllBytes().length;
                  conn.getOutputStream().write(("read " + read + " bytes").getBytes());
                } catch (IOException e) {
                  // closed by the test
                }
              });
      thread.setDaemon(true);
      thread.start();
    }

    String address() {
      return "127.0.0.1:" + socket.getLocalPort();
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }

  /**
   * Sends a fixed pseudo-random payload as fast as the connection takes it, then closes once the
   * client has ended its side.
   */
  private static final class FirehoseServer implements AutoCloseable {
    private final ServerSocket socket;
    private final byte[] payload;

    FirehoseServer(int size) throws IOException {
      payload = Sockets.randomBytes(size, 7);
      socket = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
      Thread thread =
          new Thread(
              () -> {
                try (Socket conn = socket.accept()) {
                  conn.getOutputStream().write(payload);
                  conn.getInputStream().readAllBytes();
                } catch (IOException e) {
                  // closed by the test
                }
              });
      thread.setDaemon(true);
      thread.start();
    }

    String address() {
      return "127.0.0.1:" + socket.getLocalPort();
    }

    String sha256() {
      return Sockets.sha256(payload);
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }
}
