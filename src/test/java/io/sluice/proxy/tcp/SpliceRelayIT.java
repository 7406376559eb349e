package io.sluice.proxy.tcp;

import static io.sluice.testing.Sockets.connect;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.channel.epoll.Epoll;
import io.sluice.observe.TerminationState;
import io.sluice.runtime.SluiceRuntime;
import io.sluice.testing.EchoServer;
import io.sluice.testing.RuntimeTest;
import io.sluice.testing.Sockets;
import io.sluice.testing.TestConfigs;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The spliced relay: once a plain connection has moved {@link TcpSession#SPLICE_AFTER_BYTES} by
 * copying, its bytes move socket to socket with splice(2), and everything the copying relay does
 * still holds: intact data, exact counts, half-closes, idle timeouts, bounded memory for a reader
 * that stops, termination states.
 */
class SpliceRelayIT extends RuntimeTest {
  private static final int MIB = 1024 * 1024;
  private static final Duration WAIT = Duration.ofSeconds(120);

  @BeforeEach
  void needsEpoll() {
    assumeTrue(Epoll.isAvailable(), "splice needs the epoll transport");
  }

  private SocketAddress start(TestConfigs config) throws Exception {
    sluice = SluiceRuntime.start(config.build(), 2);
    return sluice.boundAddresses("front").get(0);
  }

  private RelayStats stats() {
    return sluice.stats("front");
  }

  @Test
  void carries256MebibytesEachWayIntactAndCountsEveryByte(@TempDir Path dir) throws Exception {
    long size = 256L * MIB;
    EchoServer echo = keep(new EchoServer());
    Path log = dir.resolve("access.log");
    SocketAddress front =
        start(
            TestConfigs.tcp()
                .server(echo.address())
                .accessLog(log.toString())
                .top("admin", "{bind: \"127.0.0.1:0\"}"));
    long started = System.nanoTime();

    try (Socket client = connect(front)) {
      CompletableFuture<String> upload = sendInBackground(client, size, 11, true);
      Received echoed = Received.drain(client.getInputStream());

      assertThat(upload.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(echoed.sha256);
      assertThat(echoed.bytes).isEqualTo(size);
    }
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(WAIT);
    await().atMost(WAIT).until(() -> stats().terminations().get(TerminationState.NORMAL) == 1);
    assertThat(stats().spliced()).isEqualTo(1);
    assertThat(stats().bytesFromClients()).isEqualTo(size);
    assertThat(stats().bytesToClients()).isEqualTo(size);
    await().until(() -> sluice.accessLog().written() == 1);
    assertThat(metrics())
        .contains("sluice_spliced_connections_total{listener=\"front\"} 1.0")
        .contains("sluice_splice_fallbacks_total{listener=\"front\",reason=\"no_pipe\"} 0.0")
        .contains("sluice_pipes 0.0");
    sluice.stop(Duration.ZERO);
    assertThat(Files.readString(log).strip()).endsWith(" " + size + " -- " + size);
  }

  @Test
  void passesTheClientsHalfCloseAndTheServerAnswersAfterIt() throws Exception {
    long upload = 8L * MIB;
    long answer = 16L * MIB;
    AnswerAfterEndServer server = keep(new AnswerAfterEndServer(answer));
    SocketAddress front = start(TestConfigs.tcp().server(server.address()));

    try (Socket client = connect(front)) {
      String sent = sendInBackground(client, upload, 21, true).get(60, TimeUnit.SECONDS);
      Received reply = Received.drain(client.getInputStream());

      assertThat(server.received.get(60, TimeUnit.SECONDS)).isEqualTo(upload + " " + sent);
      assertThat(reply.bytes).isEqualTo(answer);
      assertThat(reply.sha256).isEqualTo(server.answerSha256);
    }
    await().until(() -> stats().terminations().get(TerminationState.NORMAL) == 1);
    assertThat(stats().spliced()).isEqualTo(1);
    assertThat(stats().bytesFromClients()).isEqualTo(upload);
    assertThat(stats().bytesToClients()).isEqualTo(answer);
  }

  @Test
  void passesTheServersHalfCloseAndTheClientGoesOnSending() throws Exception {
    long download = 8L * MIB;
    long upload = 4L * MIB;
    SendThenReadServer server = keep(new SendThenReadServer(download));
    SocketAddress front = start(TestConfigs.tcp().server(server.address()));

    try (Socket client = connect(front)) {
      Received first = Received.drain(client.getInputStream());
      assertThat(first.bytes).isEqualTo(download);
      assertThat(first.sha256).isEqualTo(server.sentSha256);

      String sent = sendInBackground(client, upload, 31, true).get(60, TimeUnit.SECONDS);
      assertThat(server.received.get(60, TimeUnit.SECONDS)).isEqualTo(upload + " " + sent);
    }
    await().until(() -> stats().terminations().get(TerminationState.NORMAL) == 1);
    assertThat(stats().spliced()).isEqualTo(1);
    assertThat(stats().bytesFromClients()).isEqualTo(upload);
    assertThat(stats().bytesToClients()).isEqualTo(download);
  }

  @Test
  void closesASplicedConnectionThatMakesNoProgressAfterTheIdleTimeout() throws Exception {
    EchoServer echo = keep(new EchoServer());
    SocketAddress front =
        start(TestConfigs.tcp().server(echo.address()).idle(Duration.ofMillis(500)));

    try (Socket client = connect(front)) {
      CompletableFuture<String> upload = sendInBackground(client, MIB, 41, false);
      assertThat(client.getInputStream().readNBytes(MIB)).hasSize(MIB);
      upload.get(30, TimeUnit.SECONDS);
      await().until(() -> stats().spliced() == 1);
      long silentSince = System.nanoTime();

      assertThat(client.getInputStream().read()).isEqualTo(-1);
      long silentMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - silentSince);
      assertThat(silentMillis).isBetween(400L, 3_000L);
    }
    await()
        .until(() -> stats().terminations().get(TerminationState.CLIENT_TIMEOUT_DURING_DATA) == 1);
  }

  @Test
  void aClientThatStopsReadingCostsOnePipeAndNoBusyLoop() throws Exception {
    int size = 64 * MIB;
    FirehoseServer firehose = keep(new FirehoseServer(size));
    SocketAddress front = start(TestConfigs.tcp().server(firehose.address()));

    try (Socket client = new Socket()) {
      client.setReceiveBufferSize(64 * 1024);
      client.connect(front, 5_000);
      client.setSoTimeout(20_000);
      InputStream in = client.getInputStream();
      MessageDigest digest = sha256();
      byte[] first = in.readNBytes(MIB);
      digest.update(first);
      await().until(() -> stats().spliced() == 1);
      Thread.sleep(500); // the pipe and the kernel buffers on the way fill up

      long loopCpuBefore = loopCpuNanos();
      Thread.sleep(1_500); // the reader stalls while the server pushes as fast as it can
      long loopCpuMillis = TimeUnit.NANOSECONDS.toMillis(loopCpuNanos() - loopCpuBefore);

      byte[] rest = in.readNBytes(size - MIB);
      digest.update(rest);
      client.shutdownOutput();
      assertThat(in.read()).isEqualTo(-1);
      assertThat(HexFormat.of().formatHex(digest.digest())).isEqualTo(firehose.sha256());
      // A loop that spun on the stalled socket would burn most of the 1.5 s.
      assertThat(loopCpuMillis).isLessThan(300);
    }
    await().until(() -> stats().terminations().get(TerminationState.NORMAL) == 1);
    // Before the switch, a write buffer past its high-water mark at most; after it, what the pipe
    // holds: sixteen fragments of at most 32 KiB each.
    assertThat(stats().maxQueuedBytes()).isBetween(1L, 512L * 1024);
  }

  @Test
  void endsAsServerResetWhenTheServerResetsASplicedConnection() throws Exception {
    ResetAfterAckServer server = keep(new ResetAfterAckServer(MIB));
    SocketAddress front = start(TestConfigs.tcp().server(server.address()));

    try (Socket client = connect(front)) {
      assertThat(client.getInputStream().readNBytes(MIB)).hasSize(MIB);
      await().until(() -> stats().spliced() == 1);
      client.getOutputStream().write('k');

      int next;
      try {
        next = client.getInputStream().read();
      } catch (SocketException reset) {
        next = -1;
      }
      assertThat(next).as("the end of the stream, or the reset passed on").isEqualTo(-1);
    }
    await()
        .until(() -> stats().terminations().get(TerminationState.SERVER_CLOSED_DURING_DATA) == 1);
  }

  @Test
  void endsAsClientAbortWhenTheClientResetsASplicedConnection() throws Exception {
    EchoServer echo = keep(new EchoServer());
    SocketAddress front = start(TestConfigs.tcp().server(echo.address()));

    Socket client = connect(front);
    sendInBackground(client, MIB, 51, false).get(30, TimeUnit.SECONDS);
    assertThat(client.getInputStream().readNBytes(MIB)).hasSize(MIB);
    await().until(() -> stats().spliced() == 1);
    client.setSoLinger(true, 0);
    client.close();

    await()
        .until(() -> stats().terminations().get(TerminationState.CLIENT_ABORTED_DURING_DATA) == 1);
  }

  @Test
  void killsASplicedConnectionStillOpenWhenTheDrainTimeRunsOut() throws Exception {
    EchoServer echo = keep(new EchoServer());
    SocketAddress front = start(TestConfigs.tcp().server(echo.address()));

    try (Socket client = connect(front)) {
      sendInBackground(client, MIB, 61, false).get(30, TimeUnit.SECONDS);
      assertThat(client.getInputStream().readNBytes(MIB)).hasSize(MIB);
      await().until(() -> stats().spliced() == 1);
      assertThat(sluice.view().pipes().inUse()).isEqualTo(2);

      assertThat(sluice.stop(Duration.ofMillis(200))).isFalse();

      assertThat(client.getInputStream().read()).isEqualTo(-1);
    }
    assertThat(stats().terminations().get(TerminationState.KILLED_DURING_DATA)).isEqualTo(1);
    assertThat(sluice.view().pipes().inUse()).isZero();
  }

  @Test
  void copiesWhenNoPipeIsLeftAndCountsWhy() throws Exception {
    EchoServer echo = keep(new EchoServer());
    SocketAddress front = start(TestConfigs.tcp().server(echo.address()).top("max_pipes", "0"));

    echoIntact(front, 8 * MIB, 71);

    await().until(() -> stats().terminations().get(TerminationState.NORMAL) == 1);
    assertThat(stats().spliced()).isZero();
    assertThat(stats().splicesWithoutPipe()).isEqualTo(1);
    assertThat(stats().bytesToClients()).isEqualTo(8L * MIB);
  }

  @Test
  void copiesEveryByteWhenTheListenerSaysSpliceOff() throws Exception {
    EchoServer echo = keep(new EchoServer());
    SocketAddress front = start(TestConfigs.tcp().server(echo.address()).listener("splice", "off"));

    echoIntact(front, 8 * MIB, 81);

    await().until(() -> stats().terminations().get(TerminationState.NORMAL) == 1);
    assertThat(stats().spliced()).isZero();
    assertThat(stats().splicesWithoutPipe()).isZero();
    assertThat(stats().splicesFailed()).isZero();
  }

  @Test
  void leavesAShortExchangeToTheCopyingRelay() throws Exception {
    EchoServer echo = keep(new EchoServer());
    SocketAddress front = start(TestConfigs.tcp().server(echo.address()));

    echoIntact(front, 16 * 1024, 91);

    await().until(() -> stats().terminations().get(TerminationState.NORMAL) == 1);
    assertThat(stats().spliced()).isZero();
    assertThat(sluice.view().pipes().inUse()).isZero();
  }

  private static void echoIntact(SocketAddress front, long size, long seed) throws Exception {
    try (Socket client = connect(front)) {
      CompletableFuture<String> upload = sendInBackground(client, size, seed, true);
      Received echoed = Received.drain(client.getInputStream());
      assertThat(upload.get(60, TimeUnit.SECONDS)).isEqualTo(echoed.sha256);
      assertThat(echoed.bytes).isEqualTo(size);
    }
  }

  private String metrics() throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    return http.send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + sluice.adminAddress().getPort() + "/metrics"))
                .timeout(Duration.ofSeconds(10))
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }

  /** CPU time of Sluice's event loops so far, in nanoseconds. */
  private static long loopCpuNanos() {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    long total = 0;
    for (Thread thread : Thread.getAllStackTraces().keySet()) {
      if (thread.getName().startsWith("sluice-loop")) {
        total += Math.max(0, threads.getThreadCpuTime(thread.getId()));
      }
    }
    return total;
  }

  /**
   * Writes {@code size} pseudo-random bytes from {@code seed} in the background, then shuts the
   * output if asked; completes with their SHA-256.
   */
  private static CompletableFuture<String> sendInBackground(
      Socket socket, long size, long seed, boolean shutOutput) {
    return CompletableFuture.supplyAsync(
        () -> {
          try {
            String sha256 = writeRandom(socket.getOutputStream(), size, seed);
            if (shutOutput) {
              socket.shutdownOutput();
            }
            return sha256;
          } catch (IOException e) {
            throw new IllegalStateException(e);
          }
        });
  }

  /** Writes {@code size} pseudo-random bytes from {@code seed}; returns their SHA-256. */
  private static String writeRandom(OutputStream out, long size, long seed) throws IOException {
    Random random = new Random(seed);
    MessageDigest digest = sha256();
    byte[] block = new byte[256 * 1024];
    for (long left = size; left > 0; ) {
      int n = (int) Math.min(block.length, left);
      random.nextBytes(block);
      digest.update(block, 0, n);
      out.write(block, 0, n);
      left -= n;
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** What was read to the end of a stream: how many bytes, and their SHA-256. */
  private record Received(long bytes, String sha256) {
    static Received drain(InputStream in) throws IOException {
      String[] result = Sockets.drainWithDigest(in);
      return new Received(Long.parseLong(result[1]), result[0]);
    }
  }

  /** A loopback server for one connection, run on a daemon thread, closed with the test. */
  private abstract static class OneConnectionServer implements AutoCloseable {
    private final ServerSocket socket;

    OneConnectionServer() throws IOException {
      socket = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
    }

    final void serve() {
      Thread thread =
          new Thread(
              () -> {
                try (Socket conn = socket.accept()) {
                  conn.setSoTimeout(60_000);
                  talk(conn);
                } catch (IOException e) {
                  // closed by the test, or the reset a test provokes
                }
              },
              "splice-test-server");
      thread.setDaemon(true);
      thread.start();
    }

    abstract void talk(Socket conn) throws IOException;

    String address() {
      return "127.0.0.1:" + socket.getLocalPort();
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }

  /** Reads to the client's end, then answers with {@code answer} pseudo-random bytes and closes. */
  private static final class AnswerAfterEndServer extends OneConnectionServer {
    private final long answer;
    private final String answerSha256;
    final CompletableFuture<String> received = new CompletableFuture<>();

    AnswerAfterEndServer(long answer) throws IOException {
      this.answer = answer;
      this.answerSha256 = writeRandom(OutputStream.nullOutputStream(), answer, 99);
      serve();
    }

    @Override
    void talk(Socket conn) throws IOException {
      Received got = Received.drain(conn.getInputStream());
      received.complete(got.bytes + " " + got.sha256);
      writeRandom(conn.getOutputStream(), answer, 99);
    }
  }

  /**
   * Sends {@code size} pseudo-random bytes and shuts its output, then reads to the client's end.
   */
  private static final class SendThenReadServer extends OneConnectionServer {
    private final long size;
    private final String sentSha256;
    final CompletableFuture<String> received = new CompletableFuture<>();

    SendThenReadServer(long size) throws IOException {
      this.size = size;
      this.sentSha256 = writeRandom(OutputStream.nullOutputStream(), size, 98);
      serve();
    }

    @Override
    void talk(Socket conn) throws IOException {
      writeRandom(conn.getOutputStream(), size, 98);
      conn.shutdownOutput();
      Received got = Received.drain(conn.getInputStream());
      received.complete(got.bytes + " " + got.sha256);
    }
  }

  /** Sends a pseudo-random payload as fast as it is taken, then reads to the client's end. */
  private static final class FirehoseServer extends OneConnectionServer {
    private final int size;
    private final String sha256;

    FirehoseServer(int size) throws IOException {
      this.size = size;
      this.sha256 = writeRandom(OutputStream.nullOutputStream(), size, 97);
      serve();
    }

    @Override
    void talk(Socket conn) throws IOException {
      writeRandom(conn.getOutputStream(), size, 97);
      conn.getInputStream().readAllBytes();
    }

    String sha256() {
      return sha256;
    }
  }

  /** Sends {@code size} bytes, waits for one byte from the client, then resets the connection. */
  private static final class ResetAfterAckServer extends OneConnectionServer {
    private final int size;

    ResetAfterAckServer(int size) throws IOException {
      this.size = size;
      serve();
    }

    @Override
    void talk(Socket conn) throws IOException {
      writeRandom(conn.getOutputStream(), size, 96);
      conn.getInputStream().read();
      conn.setSoLinger(true, 0);
    }
  }
}
