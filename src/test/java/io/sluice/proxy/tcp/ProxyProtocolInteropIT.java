package io.sluice.proxy.tcp;

import static io.sluice.testing.HaproxyPeer.tcpRelayTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.sluice.config.Config;
import io.sluice.net.SocketAddresses;
import io.sluice.observe.TerminationState;
import io.sluice.runtime.SluiceRuntime;
import io.sluice.testing.HaproxyPeer;
import io.sluice.testing.HaproxyPeer.TcpRelay;
import io.sluice.testing.ProxyHeaderServer;
import io.sluice.testing.ProxyHeaderServer.ReceivedHeader;
import io.sluice.testing.Sockets;
import io.sluice.testing.TestConfigs;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sluice and a real HAProxy on either side of each other, passing the client's address along in
 * PROXY headers. Every chain ends at a server that decodes the header it receives: its source must
 * be the test client's own socket address, which no hop but the first sees, and its destination the
 * address the client connected to.
 */
class ProxyProtocolInteropIT {
  private static final byte[] REQUEST =
      "ping through the chain".getBytes(StandardCharsets.US_ASCII);

  @RegisterExtension final HaproxyPeer haproxy = new HaproxyPeer();
  @TempDir Path dir;

  private ProxyHeaderServer server;
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
  void carriesTheClientAddressFromHaproxyV1HeaderToTheServer() throws Exception {
    carriesTheClientAddressFromHaproxyToTheServer(relay -> relay.sendProxy());
  }

  @Test
  void carriesTheClientAddressFromHaproxyV2HeaderToTheServer() throws Exception {
    carriesTheClientAddressFromHaproxyToTheServer(relay -> relay.sendProxyV2());
  }

  @Test
  void haproxyTakesTheClientAddressFromSluiceV1Header() throws Exception {
    haproxyTakesTheClientAddressFromSluice(false);
  }

  @Test
  void haproxyTakesTheClientAddressFromSluiceV2Header() throws Exception {
    haproxyTakesTheClientAddressFromSluice(true);
  }

  /** client → HAProxy (send-proxy) → Sluice (accept_proxy, send_proxy) → server. */
  private void carriesTheClientAddressFromHaproxyToTheServer(UnaryOperator<TcpRelay> haproxyHeader)
      throws Exception {
    server = new ProxyHeaderServer();
    Path accessLog = dir.resolve("access.log");
    SocketAddress sluiceFront =
        startSluice(
            TestConfigs.tcp()
                .acceptProxy()
                .serverSendingProxy(server.address(), false)
                .accessLog(accessLog.toString())
                .build());
    InetSocketAddress haproxyFront =
        haproxy.start(haproxyHeader.apply(tcpRelayTo(SocketAddresses.format(sluiceFront))));

    InetSocketAddress client = exchange(haproxyFront);

    ReceivedHeader header = server.nextHeader();
    assertThat(header.version()).isEqualTo(HAProxyProtocolVersion.V1);
    assertThat(header.command()).isEqualTo(HAProxyCommand.PROXY);
    assertThat(header.protocol()).isEqualTo(HAProxyProxiedProtocol.TCP4);
    assertThat(header.source()).isEqualTo(client);
    assertThat(header.destination()).isEqualTo(haproxyFront);
    await().until(() -> sluice.stats("front").terminations().get(TerminationState.NORMAL) == 1);
    await().until(() -> Files.readString(accessLog).endsWith("\n"));
    assertThat(Files.readString(accessLog)).startsWith(SocketAddresses.format(client) + " [");
  }

  /**
   * client → Sluice (send_proxy or send_proxy_v2) → HAProxy (accept-proxy, send-proxy) → server.
   */
  private void haproxyTakesTheClientAddressFromSluice(boolean v2) throws Exception {
    server = new ProxyHeaderServer();
    InetSocketAddress haproxyFront =
        haproxy.start(tcpRelayTo(server.address()).acceptProxy().sendProxy());
    SocketAddress sluiceFront =
        startSluice(
            TestConfigs.tcp().serverSendingProxy(SocketAddresses.format(haproxyFront), v2).build());

    InetSocketAddress client = exchange(sluiceFront);

    ReceivedHeader header = server.nextHeader();
    assertThat(header.command()).isEqualTo(HAProxyCommand.PROXY);
    assertThat(header.protocol()).isEqualTo(HAProxyProxiedProtocol.TCP4);
    assertThat(header.source()).isEqualTo(client);
    assertThat(header.destination()).isEqualTo(sluiceFront);
    await().until(() -> sluice.stats("front").terminations().get(TerminationState.NORMAL) == 1);
  }

  private SocketAddress startSluice(Config config) throws Exception {
    sluice = SluiceRuntime.start(config, 2);
    return sluice.boundAddresses("front").get(0);
  }

  /**
   * Sends a request through the chain starting at {@code front}, half-closes, and checks the server
   * echoed it; returns the client's own socket address.
   */
  private static InetSocketAddress exchange(SocketAddress front) throws Exception {
    try (Socket client = Sockets.connect(front)) {
      client.getOutputStream().write(REQUEST);
      client.shutdownOutput();
      assertThat(client.getInputStream().readAllBytes()).isEqualTo(REQUEST);
      return (InetSocketAddress) client.getLocalSocketAddress();
    }
  }
}
