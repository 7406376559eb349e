package io.sluice.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.channel.epoll.Epoll;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.sluice.observe.TerminationState;
import io.sluice.runtime.SluiceRuntime;
import io.sluice.testing.DomainEchoServer;
import io.sluice.testing.DomainSockets;
import io.sluice.testing.EchoServer;
import io.sluice.testing.ProxyHeaderServer;
import io.sluice.testing.ProxyHeaderServer.ReceivedHeader;
import io.sluice.testing.Sockets;
import io.sluice.testing.TestConfigs;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Sluice relays over IPv6, unix-domain paths and Linux abstract names as it does over IPv4. */
class AddressFamiliesIT {
  /** Larger than the socket buffers on the way, so the relay has to pause and resume. */
  private static final byte[] PAYLOAD = Sockets.randomBytes(4 * 1024 * 1024, 23);

  private static final byte[] HELLO = "hello".getBytes(StandardCharsets.US_ASCII);

  @TempDir Path dir;

  private AutoCloseable server;
  private SluiceRuntime sluice;

  @AfterEach
  void stop() throws Exception {
    if (sluice != null) {
      sluice.stop(Duration.ZERO);
    }
    if (server != null) {
      server.close();
    }
  }

  @Test
  void relaysFromAnIpv6ListenerToAnIpv6Server() throws Exception {
    InetAddress ipv6Loopback = InetAddress.getByName("::1");
    assumeTrue(canBind(ipv6Loopback), "::1 is not available");
    EchoServer echo = new EchoServer(ipv6Loopback);
    server = echo;
    Path accessLog = dir.resolve("access.log");
    start(
        TestConfigs.tcp()
            .bind("[::1]:0")
            .server("[::1]:" + echo.port())
            .accessLog(accessLog.toString()));

    try (Socket client = Sockets.connect(sluice.boundAddresses("front").get(0))) {
      CompletableFuture<Void> upload =
          sendInBackground(
              () -> {
                client.getOutputStream().write(PAYLOAD);
                client.shutdownOutput();
              });
      assertEchoed(client.getInputStream(), upload);
    }
    await().until(() -> Files.readString(accessLog).endsWith("\n"));
    assertThat(Files.readString(accessLog))
        .startsWith("[::1]:")
        .contains(" front back/[::1]:" + echo.port() + " ");
  }

  @Test
  void relaysFromAUnixSocketListenerToAUnixSocketServer() throws Exception {
    assumeTrue(Epoll.isAvailable(), "unix sockets need the epoll transport");
    Path back = dir.resolve("back.sock");
    Path front = dir.resolve("front.sock");
    server = new DomainEchoServer(new DomainSocketAddress(back.toString()));
    start(TestConfigs.tcp().bind("unix:" + front).server("unix:" + back));

    try (SocketChannel client = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      client.connect(UnixDomainSocketAddress.of(front));
      CompletableFuture<Void> upload =
          sendInBackground(
              () -> {
                ByteBuffer bytes = ByteBuffer.wrap(PAYLOAD);
                while (bytes.hasRemaining()) {
                  client.write(bytes);
                }
                client.shutdownOutput();
              });
      assertEchoed(inputOf(client), upload);
    }
    await().until(() -> terminations(TerminationState.NORMAL) == 1);
    assertThat(sluice.boundAddressTexts("front")).containsExactly("unix:" + front);
    // Spliced where the kernel splices unix sockets, else handed back to the copying relay.
    assertThat(sluice.stats("front").spliced() + sluice.stats("front").splicesFailed())
        .isEqualTo(1);
  }

  @Test
  void relaysFromAnAbstractListenerToAnAbstractServer() throws Exception {
    assumeTrue(Epoll.isAvailable(), "abstract sockets need the epoll transport");
    String back = "sluice-test-" + UUID.randomUUID();
    String front = "sluice-test-" + UUID.randomUUID();
    server = new DomainEchoServer(new DomainSocketAddress("\0" + back));
    start(TestConfigs.tcp().bind("unix:@" + front).server("unix:@" + back));

    byte[] echoed = DomainSockets.exchange(new DomainSocketAddress("\0" + front), PAYLOAD);

    assertThat(echoed.length).isEqualTo(PAYLOAD.length);
    assertThat(Sockets.sha256(echoed)).isEqualTo(Sockets.sha256(PAYLOAD));
    await().until(() -> terminations(TerminationState.NORMAL) == 1);
    assertThat(sluice.boundAddressTexts("front")).containsExactly("unix:@" + front);
  }

  @Test
  void bindsAnAbstractNameExactlyAsOtherProgramsAddressIt() throws Exception {
    assumeTrue(Epoll.isAvailable(), "abstract sockets need the epoll transport");
    String front = "sluice-test-" + UUID.randomUUID();
    start(TestConfigs.tcp().bind("unix:@" + front).server("127.0.0.1:9"));

    assertThat(DomainSockets.abstractNameBound(front)).isTrue();
  }

  @Test
  void tellsAProxyProtocolV1ServerThatAUnixClientsAddressIsUnknown() throws Exception {
    ReceivedHeader header = headerForAUnixClient(false);

    assertThat(header.version()).isEqualTo(HAProxyProtocolVersion.V1);
    assertThat(header.protocol()).isEqualTo(HAProxyProxiedProtocol.UNKNOWN);
    assertThat(header.source()).isNull();
  }

  @Test
  void tellsAProxyProtocolV2ServerThatAUnixClientsConnectionIsLocal() throws Exception {
    ReceivedHeader header = headerForAUnixClient(true);

    assertThat(header.version()).isEqualTo(HAProxyProtocolVersion.V2);
    assertThat(header.command()).isEqualTo(HAProxyCommand.LOCAL);
    assertThat(header.source()).isNull();
  }

  /** Relays a unix-socket client to a TCP server that wants a PROXY header; returns the header. */
  private ReceivedHeader headerForAUnixClient(boolean v2) throws Exception {
    assumeTrue(Epoll.isAvailable(), "unix sockets need the epoll transport");
    ProxyHeaderServer headerServer = new ProxyHeaderServer();
    server = headerServer;
    Path front = dir.resolve("front.sock");
    start(TestConfigs.tcp().bind("unix:" + front).serverSendingProxy(headerServer.address(), v2));

    try (SocketChannel client = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      client.connect(UnixDomainSocketAddress.of(front));
      client.write(ByteBuffer.wrap(HELLO));
      client.shutdownOutput();
      assertThat(inputOf(client).readAllBytes()).isEqualTo(HELLO);
    }
    return headerServer.nextHeader();
  }

  private void start(TestConfigs config) throws Exception {
    sluice = SluiceRuntime.start(config.build(), 2);
  }

  private long terminations(TerminationState state) {
    return sluice.stats("front").terminations().get(state);
  }

  private static boolean canBind(InetAddress address) {
    try (ServerSocket probe = new ServerSocket(0, 1, address)) {
      return probe.isBound();
    } catch (IOException e) {
      return false;
    }
  }

  /** Reading and writing at once: a payload this size would otherwise fill every buffer. */
  private static CompletableFuture<Void> sendInBackground(Upload upload) {
    return CompletableFuture.runAsync(
        () -> {
          try {
            upload.run();
          } catch (IOException e) {
            throw new IllegalStateException(e);
          }
        });
  }

  private static void assertEchoed(InputStream in, CompletableFuture<Void> upload)
      throws Exception {
    String[] echoed = Sockets.drainWithDigest(in);
    upload.get(30, TimeUnit.SECONDS);
    assertThat(echoed[1]).isEqualTo(Integer.toString(PAYLOAD.length));
    assertThat(echoed[0]).isEqualTo(Sockets.sha256(PAYLOAD));
  }

  /**
   * Reads straight from the channel: {@code Channels.newInputStream} would hold the channel's
   * blocking lock while waiting and stall the writing thread.
   */
  private static InputStream inputOf(SocketChannel channel) {
    return new InputStream() {
      @Override
      public int read() {
        throw new UnsupportedOperationException("read into an array");
      }

      @Override
      public int read(byte[] buffer, int offset, int length) throws IOException {
        return channel.read(ByteBuffer.wrap(buffer, offset, length));
      }
    };
  }

  @FunctionalInterface
  private interface Upload {
    void run() throws IOException;
  }
}
