package io.sluice.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.config.ConfigLoader;
import io.sluice.config.ConfigResult;
import io.sluice.runtime.SluiceRuntime;
import io.sluice.testing.EchoServer;
import io.sluice.testing.PebblePeer;
import io.sluice.testing.RuntimeTest;
import io.sluice.testing.Sockets;
import java.io.DataInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Certificates from a real ACME CA (Pebble): obtained through TLS-ALPN-01 answered by the TLS
 * listener itself and through HTTP-01 answered by an http listener, reused across a restart,
 * renewed while an older connection stays up, kept in service while the CA is down, and ordered on
 * demand for allowed names only. Pebble's validation authority resolves every name to 127.0.0.1 and
 * connects to the ports the listeners bind.
 */
class AcmeIT extends RuntimeTest {
  @TempDir Path storage;

  private final int tlsPort = freePort();
  private final int httpPort = freePort();

  @Test
  void obtainsACertificateThroughTlsAlpn01ServesItAndReusesItAfterARestart() throws Exception {
    PebblePeer pebble = keep(PebblePeer.start(httpPort, tlsPort, 3600));
    String yaml = config(pebble, "tls-alpn-01", "", "");
    sluice = start(yaml);

    X509Certificate served = awaitPebbleCertificate("acme.test");
    assertThat(served.getSubjectAlternativeNames().toString()).contains("acme.test");
    assertThat(opensslIssuer("acme.test")).contains("Pebble Intermediate CA");
    assertThat(mode(storage)).isEqualTo("rwx------");
    assertThat(mode(storage.resolve("account-key.pem"))).isEqualTo("rw-------");
    assertThat(mode(storage.resolve("acme.test/key.pem"))).isEqualTo("rw-------");
    assertThat(mode(storage.resolve("acme.test/cert.pem"))).isEqualTo("rw-------");
    assertThat(orders("succeeded")).isEqualTo(1);

    sluice.stop(Duration.ZERO);
    sluice = start(yaml);

    assertThat(served("acme.test").getSerialNumber()).isEqualTo(served.getSerialNumber());
    Thread.sleep(500);
    assertThat(orders("succeeded") + orders("failed")).isZero();
  }

  @Test
  void obtainsACertificateThroughHttp01AnsweredByTheHttpListener() throws Exception {
    PebblePeer pebble = keep(PebblePeer.start(httpPort, tlsPort, 3600));
    sluice = start(config(pebble, "http-01", "", ""));

    X509Certificate served = awaitPebbleCertificate("acme.test");

    assertThat(served.getIssuerX500Principal().getName()).contains("Pebble Intermediate CA");
    assertThat(opensslIssuer("acme.test")).contains("Pebble Intermediate CA");
  }

  @Test
  void renewsWhileAConnectionOpenedBeforeStaysUp() throws Exception {
    PebblePeer pebble = keep(PebblePeer.start(httpPort, tlsPort, 20));
    sluice = start(config(pebble, "tls-alpn-01", "renew_at: 50%, renew_jitter: 0%,", ""));
    X509Certificate first = awaitPebbleCertificate("acme.test");

    try (SSLSocket before = connect("acme.test")) {
      assertThat(echo(before, "before")).isEqualTo("before");

      await("a renewed certificate served")
          .atMost(Duration.ofSeconds(40))
          .pollInterval(Duration.ofMillis(500))
          .until(() -> !served("acme.test").getSerialNumber().equals(first.getSerialNumber()));

      assertThat(echo(before, "after the renewal")).isEqualTo("after the renewal");
    }
    assertThat(orders("succeeded")).isGreaterThanOrEqualTo(2);
  }

  @Test
  void keepsTheCertificateInServiceWhenTheCaIsDownAtRenewal() throws Exception {
    PebblePeer pebble = keep(PebblePeer.start(httpPort, tlsPort, 20));
    sluice =
        start(config(pebble, "tls-alpn-01", "renew_at: 50%, renew_jitter: 0%, retry_min: 1s,", ""));
    X509Certificate first = awaitPebbleCertificate("acme.test");

    pebble.stopPebble();

    await("failed renewals counted")
        .atMost(Duration.ofSeconds(30))
        .until(() -> orders("failed") >= 2);
    assertThat(served("acme.test").getSerialNumber()).isEqualTo(first.getSerialNumber());
  }

  @Test
  void ordersOnDemandForAnAllowedNameAndServesTheFallbackToOthers() throws Exception {
    PebblePeer pebble = keep(PebblePeer.start(httpPort, tlsPort, 3600));
    sluice =
        start(
            config(
                pebble,
                "tls-alpn-01",
                "",
                "on_demand: {allow: [\"*.demand.test\"], wait: 25s, max_pending: 2}"));

    X509Certificate other = served("other.test");
    assertThat(other.getSubjectX500Principal().getName()).contains("Sluice self-signed fallback");

    X509Certificate first = served("a.demand.test");
    assertThat(first.getIssuerX500Principal().getName()).contains("Pebble Intermediate CA");
    assertThat(first.getSubjectAlternativeNames().toString()).contains("a.demand.test");
    assertThat(served("other.test").getSubjectX500Principal().getName())
        .contains("Sluice self-signed fallback");
  }

  private String config(PebblePeer pebble, String challenge, String moreAcme, String onDemand)
      throws IOException {
    EchoServer echo = keep(new EchoServer());
    String domains = onDemand.isEmpty() ? "domains: [acme.test]," : "";
    String http =
        challenge.equals("http-01")
            ? """
                - name: plain
                  bind: ["127.0.0.1:%d"]
                  protocol: http
                  pool: back
              """
                .formatted(httpPort)
            : "";
    return """
        access_log: {path: "off"}
        listeners:
          - name: front
            bind: ["127.0.0.1:%d"]
            protocol: tls
            pool: back
            tls:
              handshake_timeout: 30s
              acme: {directory: "%s", email: ops@acme.test, %s challenge: %s,
                     storage: "%s", trust_ca: "%s", timeout: 20s, %s %s}
        %s
        pools:
          - name: back
            servers: [{address: "%s"}]
        """
        .formatted(
            tlsPort,
            pebble.directory(),
            domains,
            challenge,
            storage,
            pebble.trustCa(),
            moreAcme,
            onDemand,
            http,
            echo.address());
  }

  private static SluiceRuntime start(String yaml) throws Exception {
    ConfigResult result = ConfigLoader.parse(yaml, "acme.yaml");
    assertThat(result.ok()).as(yaml + result.errors()).isTrue();
    return SluiceRuntime.start(result.config(), 2);
  }

  private X509Certificate awaitPebbleCertificate(String name) {
    await("a certificate from Pebble for " + name)
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(500))
        .until(
            () -> served(name).getIssuerX500Principal().getName().contains("Pebble Intermediate"));
    try {
      return served(name);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private X509Certificate served(String name) throws IOException {
    try (SSLSocket socket = connect(name)) {
      return (X509Certificate) socket.getSession().getPeerCertificates()[0];
    }
  }

  private SSLSocket connect(String name) throws IOException {
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, new TrustManager[] {new AnyServer()}, new SecureRandom());
      SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", tlsPort);
      socket.setSoTimeout(30_000);
      SSLParameters parameters = socket.getSSLParameters();
      parameters.setServerNames(List.of(new SNIHostName(name)));
      socket.setSSLParameters(parameters);
      socket.startHandshake();
      return socket;
    } catch (java.security.GeneralSecurityException e) {
      throw new IOException(e);
    }
  }

  private static String echo(SSLSocket socket, String text) throws IOException {
    byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
    socket.getOutputStream().write(bytes);
    socket.getOutputStream().flush();
    byte[] back = new byte[bytes.length];
    new DataInputStream(socket.getInputStream()).readFully(back);
    return new String(back, StandardCharsets.US_ASCII);
  }

  /**
   * The issuer line {@code openssl s_client -servername NAME} prints; it ends at its input's end,
   * which comes at once (the echo server behind would keep the connection open for ever).
   */
  private String opensslIssuer(String name) throws Exception {
    Process process =
        new ProcessBuilder(
                io.sluice.testing.Peers.require("openssl"),
                "s_client",
                "-connect",
                "127.0.0.1:" + tlsPort,
                "-servername",
                name)
            .redirectErrorStream(true)
            .start();
    process.getOutputStream().close();
    if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    return output.lines().filter(l -> l.startsWith("issuer=")).findFirst().orElse(output);
  }

  private long orders(String result) {
    return sluice.view().listeners().get(0).tls().acmeOrders().get(result);
  }

  private static String mode(Path path) throws IOException {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
  }

  private static int freePort() {
    try {
      return Sockets.freePort();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The tests read what was served; whether a client would trust it is not their question. */
  private static final class AnyServer implements X509TrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
