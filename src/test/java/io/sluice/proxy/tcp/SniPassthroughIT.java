package io.sluice.proxy.tcp;

import static io.sluice.testing.Sockets.connect;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.config.ConfigLoader;
import io.sluice.config.ConfigResult;
import io.sluice.observe.TerminationState;
import io.sluice.runtime.SluiceRuntime;
import io.sluice.testing.EchoServer;
import io.sluice.testing.Peers;
import io.sluice.testing.RuntimeTest;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A tcp listener that routes TLS by the server name in the ClientHello without terminating it,
 * driven by a real TLS client (openssl s_client).
 */
class SniPassthroughIT extends RuntimeTest {
  private EchoServer exact;
  private EchoServer wildcard;
  private EchoServer fallback;
  private int port;

  @BeforeEach
  void startSluice() throws Exception {
    exact = keep(new EchoServer());
    wildcard = keep(new EchoServer());
    fallback = keep(new EchoServer());
    String yaml =
        """
        access_log: {path: "off"}
        listeners:
          - name: front
            bind: ["127.0.0.1:0"]
            protocol: tcp
            pool: other
            timeouts: {proxy_header: 500ms}
            sni_routes:
              - {names: [git.example.test], pool: git}
              - {names: ["*.sip.example.test"], pool: sip}
        pools:
          - {name: git, servers: [{address: "%s"}]}
          - {name: sip, servers: [{address: "%s"}]}
          - {name: other, servers: [{address: "%s"}]}
        """
            .formatted(exact.address(), wildcard.address(), fallback.address());
    ConfigResult config = ConfigLoader.parse(yaml, "sni.yaml");
    assertThat(config.errors()).isEmpty();
    sluice = SluiceRuntime.start(config.config(), 2);
    port = ((InetSocketAddress) sluice.boundAddresses("front").get(0)).getPort();
  }

  /** Starts a TLS handshake with {@code serverName} (or none) through Sluice and gives it up. */
  private void helloWith(String serverName) throws Exception {
    var command =
        new java.util.ArrayList<>(
            java.util.List.of(
                Peers.require("openssl"), "s_client", "-connect", "127.0.0.1:" + port));
    if (serverName != null) {
      command.addAll(java.util.List.of("-servername", serverName));
    } else {
      command.add("-noservername");
    }
    Process client = new ProcessBuilder(command).redirectErrorStream(true).start();
    client.getOutputStream().close();
    assertThat(client.waitFor(10, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void routesByTheClientHellosServerNameWithoutTerminatingTls() throws Exception {
    helloWith("git.example.test");
    helloWith("GIT.example.test");
    helloWith("a.sip.example.test");
    helloWith("deep.a.sip.example.test");
    helloWith("unknown.example.test");
    helloWith(null);

    await().until(() -> exact.accepted() + wildcard.accepted() + fallback.accepted() == 6);
    assertThat(exact.accepted()).isEqualTo(2);
    assertThat(wildcard.accepted()).isEqualTo(2);
    assertThat(fallback.accepted()).isEqualTo(2);
  }

  @Test
  void endsAConnectionThatSendsNoClientHelloAsBadRequest() throws Exception {
    try (Socket client = connect(new InetSocketAddress("127.0.0.1", port))) {
      client.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes());
      assertThat(client.getInputStream().read()).isEqualTo(-1);
    }
    await()
        .atMost(java.time.Duration.ofSeconds(3))
        .untilAsserted(
            () ->
                assertThat(sluice.stats("front").terminations().snapshot())
                    .containsEntry(TerminationState.CLIENT_ABORTED_DURING_REQUEST, 1L));
    assertThat(exact.accepted() + wildcard.accepted() + fallback.accepted()).isZero();
  }

  @Test
  void closesAClientThatSendsNothingAfterTheHeaderTimeout() throws Exception {
    try (Socket client = connect(new InetSocketAddress("127.0.0.1", port))) {
      assertThat(client.getInputStream().read()).isEqualTo(-1);
    }
    await()
        .until(
            () ->
                sluice
                        .stats("front")
                        .terminations()
                        .get(TerminationState.CLIENT_TIMEOUT_DURING_REQUEST)
                    == 1);
  }
}
