package io.sluice.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.sluice.observe.TerminationState;
import io.sluice.pool.ServerState;
import io.sluice.runtime.SluiceRuntime;
import io.sluice.testing.RuntimeTest;
import io.sluice.testing.Sockets;
import io.sluice.testing.TestCertificates;
import io.sluice.testing.TestCertificates.Issued;
import io.sluice.testing.TestCertificates.KeyType;
import io.sluice.testing.TestConfigs;
import io.sluice.testing.TlsEchoServer;
import io.sluice.tls.TlsTestBed.Certificates;
import java.io.DataInputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * TLS from Sluice to a pool's servers: a TCP listener relays to servers that speak TLS, verifying
 * their certificates against the pool's CA (the servers' own, not the listener's), sending SNI and,
 * when asked, presenting a client certificate. A handshake that fails is a failed connect.
 */
class UpstreamTlsIT extends RuntimeTest {
  private static Issued backendCa;
  private static Issued backend;
  private static Issued localhost;
  private final Certificates certs = TlsTestBed.certificates();
  private ListAppender<ILoggingEvent> logged;
  @TempDir Path dir;

  @BeforeAll
  static void makeTheServersCertificates(@TempDir Path certDir) throws IOException {
    TestCertificates maker = new TestCertificates(certDir);
    backendCa = maker.ca("Backend CA");
    backend = maker.issue(backendCa, "backend.test", KeyType.P256, "backend.test");
    localhost = maker.issue(backendCa, "localhost", KeyType.P256, "localhost");
  }

  @BeforeEach
  void captureTheLog() {
    logged = new ListAppender<>();
    logged.start();
    ((Logger) LoggerFactory.getLogger(UpstreamTls.class)).addAppender(logged);
  }

  @AfterEach
  void releaseTheLog() {
    ((Logger) LoggerFactory.getLogger(UpstreamTls.class)).detachAppender(logged);
  }

  @Test
  void relaysToAServerWhoseCertificateChainsToThePoolCaSendingTheConfiguredSni() throws Exception {
    TlsEchoServer server = keep(new TlsEchoServer(backend.cert(), backend.key(), null));
    start(config("{ca: \"" + backendCa.cert() + "\", sni: backend.test}").server(server.address()));

    assertThat(roundTrip("hello over tls")).isEqualTo("hello over tls");
    assertThat(server.nextServerName()).isEqualTo("backend.test");
    assertThat(server.nextClientSubject()).isEmpty();
  }

  @Test
  void sendsTheServerHostNameAsSniAndVerifiesItByDefault() throws Exception {
    TlsEchoServer server = keep(new TlsEchoServer(localhost.cert(), localhost.key(), null));
    String port = server.address().substring(server.address().lastIndexOf(':') + 1);
    start(config("{ca: \"" + backendCa.cert() + "\"}").server("localhost:" + port));

    assertThat(roundTrip("by name")).isEqualTo("by name");
    assertThat(server.nextServerName()).isEqualTo("localhost");
  }

  @Test
  void closesTheClientAsRefusedWhenTheServerCertificateDoesNotVerify() throws Exception {
    TlsEchoServer server = keep(new TlsEchoServer(backend.cert(), backend.key(), null));
    // The listener's test CA, not the one that signed the server's certificate.
    start(
        config("{ca: \"" + certs.ca().cert() + "\", sni: backend.test}")
            .server(server.address())
            .pool("retry", "{attempts: 0}")
            .accessLog(dir.resolve("access.log").toString()));

    try (Socket client = Sockets.connect(front())) {
      client.getOutputStream().write("never relayed".getBytes(StandardCharsets.US_ASCII));
      assertThat(readOrReset(client)).as("closed without a byte").isEqualTo(-1);
    }

    await().until(() -> terminations(TerminationState.SERVER_REFUSED_DURING_CONNECT) == 1);
    assertThat(accessLog()).contains(" SC ").contains("{server !CERTIFICATE_VERIFY_FAILED}");
    assertThat(logged.list)
        .extracting(ILoggingEvent::getFormattedMessage)
        .anySatisfy(
            message ->
                assertThat(message)
                    .contains("pool back: TLS handshake with server " + server.address())
                    .contains("CERTIFICATE_VERIFY_FAILED"));
  }

  @Test
  void retriesAnotherServerWhenAHandshakeFails() throws Exception {
    TlsEchoServer untrusted =
        keep(new TlsEchoServer(certs.p256().cert(), certs.p256().key(), null));
    TlsEchoServer trusted = keep(new TlsEchoServer(backend.cert(), backend.key(), null));
    start(
        config("{ca: \"" + backendCa.cert() + "\", sni: backend.test}")
            .server(untrusted.address())
            .server(trusted.address()));

    for (int i = 0; i < 4; i++) {
      assertThat(roundTrip("attempt " + i)).isEqualTo("attempt " + i);
    }
    assertThat(sluice.pool("back").retryBudget().granted()).isGreaterThanOrEqualTo(2);
    assertThat(trusted.handshakes()).isEqualTo(4);
  }

  @Test
  void presentsItsClientCertificateToAServerThatRequiresOne() throws Exception {
    TlsEchoServer server =
        keep(new TlsEchoServer(backend.cert(), backend.key(), certs.ca().cert()));
    Issued client = certs.clientInCa();
    start(
        config(
                "{ca: \""
                    + backendCa.cert()
                    + "\", sni: backend.test, cert: \""
                    + client.cert()
                    + "\", key: \""
                    + client.key()
                    + "\"}")
            .server(server.address()));

    assertThat(roundTrip("with a certificate")).isEqualTo("with a certificate");
    assertThat(server.nextClientSubject()).isEqualTo("CN=client.test");
  }

  @Test
  void relaysWithoutVerificationWhenTurnedOff() throws Exception {
    TlsEchoServer server = keep(new TlsEchoServer(backend.cert(), backend.key(), null));
    start(config("{verify: false}").server(server.address()));

    assertThat(roundTrip("unverified")).isEqualTo("unverified");
    assertThat(server.nextServerName()).as("an IP address is no SNI name").isEmpty();
  }

  @Test
  void tlsChecksUseThePoolsTlsSoAServerTrafficWouldRefuseIsDown() throws Exception {
    TlsEchoServer untrusted =
        keep(new TlsEchoServer(certs.p256().cert(), certs.p256().key(), null));
    TlsEchoServer trusted = keep(new TlsEchoServer(backend.cert(), backend.key(), null));
    start(
        config("{ca: \"" + backendCa.cert() + "\", sni: backend.test}")
            .server(trusted.address())
            .server(untrusted.address())
            .pool("health", "{check: tls, interval: 100ms, rise: 1, fall: 1}"));

    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> sluice.pool("back").servers().get(1).state() == ServerState.DOWN);
    await().atMost(Duration.ofSeconds(5)).until(() -> trusted.handshakes() >= 2);
    assertThat(sluice.pool("back").servers().get(0).state()).isEqualTo(ServerState.UP);
  }

  @Test
  void aReloadSwapsThePoolsTlsForNewConnectionsAndABadOneIsRefused() throws Exception {
    TlsEchoServer server = keep(new TlsEchoServer(backend.cert(), backend.key(), null));
    // First the wrong CA: the server's certificate does not verify.
    start(
        config("{ca: \"" + certs.ca().cert() + "\", sni: backend.test}")
            .server(server.address())
            .pool("retry", "{attempts: 0}"));
    try (Socket client = Sockets.connect(front())) {
      client.getOutputStream().write("never relayed".getBytes(StandardCharsets.US_ASCII));
      assertThat(readOrReset(client)).isEqualTo(-1);
    }

    Path garbage = Files.writeString(dir.resolve("garbage.pem"), "not a certificate");
    var missing =
        sluice.reload(
            config("{ca: \"" + garbage + "\", sni: backend.test}")
                .server(server.address())
                .pool("retry", "{attempts: 0}")
                .build());
    assertThat(missing.applied()).isFalse();
    assertThat(missing.errors()).singleElement().asString().startsWith("pool 'back': ");

    var fixed =
        sluice.reload(
            config("{ca: \"" + backendCa.cert() + "\", sni: backend.test}")
                .server(server.address())
                .pool("retry", "{attempts: 0}")
                .build());
    assertThat(fixed.applied()).isTrue();
    assertThat(fixed.summary()).contains("~back");
    assertThat(roundTrip("after the reload")).isEqualTo("after the reload");
  }

  private TestConfigs config(String tlsYaml) {
    return TestConfigs.tcp().pool("tls", tlsYaml);
  }

  private void start(TestConfigs config) throws Exception {
    sluice = SluiceRuntime.start(config.build(), 2);
  }

  private InetSocketAddress front() {
    return (InetSocketAddress) sluice.boundAddresses("front").get(0);
  }

  private String roundTrip(String text) throws IOException {
    try (Socket client = Sockets.connect(front())) {
      byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
      client.getOutputStream().write(bytes);
      byte[] back = new byte[bytes.length];
      new DataInputStream(client.getInputStream()).readFully(back);
      return new String(back, StandardCharsets.US_ASCII);
    }
  }

  /** The first byte read, or -1 for a close; a reset (unread bytes were discarded) is a close. */
  private static int readOrReset(Socket client) throws IOException {
    try {
      return client.getInputStream().read();
    } catch (java.net.SocketException reset) {
      return -1;
    }
  }

  private long terminations(TerminationState state) {
    return sluice.stats("front").terminations().get(state);
  }

  private String accessLog() throws IOException {
    Path log = dir.resolve("access.log");
    await().until(() -> Files.exists(log) && Files.readString(log).endsWith("\n"));
    return Files.readString(log);
  }
}
