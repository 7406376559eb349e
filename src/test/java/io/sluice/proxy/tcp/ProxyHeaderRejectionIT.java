package io.sluice.proxy.tcp;

import static io.sluice.testing.Sockets.connect;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.observe.TerminationState;
import io.sluice.runtime.SluiceRuntime;
import io.sluice.testing.EchoServer;
import io.sluice.testing.ProxyHeaderServer;
import io.sluice.testing.ProxyHeaderServer.ReceivedHeader;
import io.sluice.testing.Sockets;
import io.sluice.testing.TestConfigs;
import java.io.IOException;
import java.net.Socket;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What an {@code accept_proxy} listener does with clients that do not send a valid PROXY header:
 * each ends in its own termination state, and none disturbs other connections.
 */
class ProxyHeaderRejectionIT {
  private static final byte[] HELLO = "hello".getBytes(StandardCharsets.US_ASCII);

  /** The twelve bytes that open every PROXY protocol v2 header. */
  private static final byte[] V2_SIGNATURE = HexFormat.of().parseHex("0d0a0d0a000d0a515549540a");

  private EchoServer echo;
  private ProxyHeaderServer headerServer;
  private SluiceRuntime sluice;

  @AfterEach
  void stop() throws Exception {
    if (sluice != null) {
      sluice.stop(Duration.ZERO);
    }
    if (echo != null) {
      echo.close();
    }
    if (headerServer != null) {
      headerServer.close();
    }
  }

  @Test
  void rejectsAnHttpRequestInPlaceOfTheHeaderWhileAValidClientRelays() throws Exception {
    rejectsWhileAValidClientRelays(
        "GET / HTTP/1.1\r\nHost: sluice\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
  }

  @Test
  void rejectsRandomBytesInPlaceOfTheHeaderWhileAValidClientRelays() throws Exception {
    // Longer than the 107 bytes a v1 header may take, so the decoder cannot wait for more.
    rejectsWhileAValidClientRelays(Sockets.randomBytes(256, 11));
  }

  @Test
  void rejectsAV2HeaderNamingPortZeroWhileAValidClientRelays() throws Exception {
    // Netty's v2 decoder takes it; no connection has port 0, and no header for a server could
    // carry it on.
    ByteBuffer header = ByteBuffer.allocate(16 + 12);
    header.put(V2_SIGNATURE).put((byte) 0x21).put((byte) 0x11).putShort((short) 12);
    header.put(new byte[] {(byte) 192, 0, 2, 7}).put(new byte[] {(byte) 198, 51, 100, 1});
    header.putShort((short) 0).putShort((short) 443);

    rejectsWhileAValidClientRelays(header.array());
  }

  private void rejectsWhileAValidClientRelays(byte[] garbage) throws Exception {
    SocketAddress front = startInFrontOfEcho(TestConfigs.tcp().acceptProxy());

    try (Socket bad = connect(front);
        Socket good = connect(front)) {
      bad.getOutputStream().write(garbage);
      good.getOutputStream().write(v1Header("192.0.2.7", 51000));
      good.getOutputStream().write(HELLO);
      good.shutdownOutput();

      assertThat(readUntilClosed(bad)).isEmpty();
      assertThat(readUntilClosed(good)).isEqualTo(HELLO);
    }
    await().until(() -> terminations(TerminationState.PROXY_REJECTED_REQUEST) == 1);
    await().until(() -> terminations(TerminationState.NORMAL) == 1);
    assertThat(echo.accepted()).isEqualTo(1);
  }

  @Test
  void closesAClientThatSendsNoHeaderWithinTheHeaderTimeout() throws Exception {
    SocketAddress front =
        startInFrontOfEcho(
            TestConfigs.tcp().acceptProxy().proxyHeaderTimeout(Duration.ofMillis(300)));

    try (Socket silent = connect(front)) {
      long started = System.nanoTime();
      assertThat(silent.getInputStream().read()).isEqualTo(-1);
      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started))
          .isBetween(250L, 2_000L);
    }
    await().until(() -> terminations(TerminationState.CLIENT_TIMEOUT_DURING_REQUEST) == 1);
    assertThat(echo.accepted()).isZero();
  }

  @Test
  void countsAClientThatClosesBeforeItsHeaderAsAborted() throws Exception {
    // A header timeout far beyond the wait below: a timeout would count as cR, not CR.
    SocketAddress front =
        startInFrontOfEcho(
            TestConfigs.tcp().acceptProxy().proxyHeaderTimeout(Duration.ofMinutes(1)));

    try (Socket leaving = connect(front)) {
      leaving.getOutputStream().write("PROXY TCP4 192.0".getBytes(StandardCharsets.US_ASCII));
    }
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> terminations(TerminationState.CLIENT_ABORTED_DURING_REQUEST) == 1);
    assertThat(echo.accepted()).isZero();
  }

  @Test
  void countsAClientThatResetsBeforeItsHeaderAsAborted() throws Exception {
    SocketAddress front =
        startInFrontOfEcho(
            TestConfigs.tcp().acceptProxy().proxyHeaderTimeout(Duration.ofMinutes(1)));

    try (Socket resetting = connect(front)) {
      resetting.getOutputStream().write("PROXY TCP4 192.0".getBytes(StandardCharsets.US_ASCII));
      resetting.setSoLinger(true, 0); // close() now sends RST
    }
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> terminations(TerminationState.CLIENT_ABORTED_DURING_REQUEST) == 1);
    assertThat(terminations(TerminationState.PROXY_REJECTED_REQUEST)).isZero();
  }

  @Test
  void keepsTheSocketAddressWhenAV2HeaderSaysLocal() throws Exception {
    // LOCAL with an address block: the specification says the receiver must ignore the addresses.
    ByteBuffer local = ByteBuffer.allocate(16 + 12);
    local.put(V2_SIGNATURE).put((byte) 0x20).put((byte) 0x11).putShort((short) 12);
    local.put(new byte[] {(byte) 192, 0, 2, 7}).put(new byte[] {(byte) 198, 51, 100, 1});
    local.putShort((short) 51000).putShort((short) 443);

    keepsTheSocketAddressFor(local.array());
  }

  @Test
  void keepsTheSocketAddressWhenAV1HeaderSaysUnknown() throws Exception {
    keepsTheSocketAddressFor("PROXY UNKNOWN\r\n".getBytes(StandardCharsets.US_ASCII));
  }

  private void keepsTheSocketAddressFor(byte[] header) throws Exception {
    headerServer = new ProxyHeaderServer();
    SocketAddress front =
        start(TestConfigs.tcp().acceptProxy().serverSendingProxy(headerServer.address(), false));

    SocketAddress clientAddress;
    try (Socket client = connect(front)) {
      clientAddress = client.getLocalSocketAddress();
      client.getOutputStream().write(header);
      client.getOutputStream().write(HELLO);
      client.shutdownOutput();

      assertThat(readUntilClosed(client)).isEqualTo(HELLO);
    }
    ReceivedHeader received = headerServer.nextHeader();
    assertThat(received.source()).isEqualTo(clientAddress);
    assertThat(received.destination()).isEqualTo(front);
  }

  private SocketAddress startInFrontOfEcho(TestConfigs config) throws Exception {
    echo = new EchoServer();
    return start(config.server(echo.address()));
  }

  private SocketAddress start(TestConfigs config) throws Exception {
    sluice = SluiceRuntime.start(config.build(), 2);
    return sluice.boundAddresses("front").get(0);
  }

  private long terminations(TerminationState state) {
    return sluice.stats("front").terminations().get(state);
  }

  private static byte[] v1Header(String sourceIp, int sourcePort) {
    return ("PROXY TCP4 " + sourceIp + " 127.0.0.1 " + sourcePort + " 80\r\n")
        .getBytes(StandardCharsets.US_ASCII);
  }

  /** Everything received until Sluice closed the connection (FIN; a reset fails the test). */
  private static byte[] readUntilClosed(Socket socket) throws IOException {
    return socket.getInputStream().readAllBytes();
  }
}
