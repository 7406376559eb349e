package io.sluice.tls;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.runtime.SluiceRuntime;
import io.sluice.testing.OpensslClient;
import io.sluice.testing.ProxyHeaderServer;
import io.sluice.testing.ProxyHeaderServer.ReceivedHeader;
import io.sluice.testing.ProxyHeaderServer.ReceivedTlv;
import io.sluice.testing.RuntimeTest;
import io.sluice.testing.TestCertificates.Issued;
import io.sluice.tls.TlsTestBed.Certificates;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A TLS listener tells servers that take a PROXY v2 header about the client's TLS session as
 * HAProxy does (the SSL TLV: flags, verify result, version, CN, cipher, the served certificate's
 * signature and key algorithms) and hands them the client certificate itself, byte for byte, in a
 * custom TLV.
 */
class ProxyV2ClientCertificateIT extends RuntimeTest {
  private static final int PP2_TYPE_SSL = 0x20;
  private static final int SSL_VERSION = 0x21;
  private static final int SSL_CN = 0x22;
  private static final int SSL_CIPHER = 0x23;
  private static final int SSL_SIG_ALG = 0x24;
  private static final int SSL_KEY_ALG = 0x25;
  private static final int CLIENT_SSL = 0x01;
  private static final int CLIENT_CERT_CONN = 0x02;
  private static final int CLIENT_CERT_SESS = 0x04;
  private static final byte[] HELLO = "hello\n".getBytes(StandardCharsets.US_ASCII);

  private final Certificates certs = TlsTestBed.certificates();
  private ProxyHeaderServer server;
  @TempDir Path dir;

  @BeforeEach
  void startServer() throws Exception {
    server = keep(new ProxyHeaderServer());
  }

  @Test
  void sendsTheSslTlvAndTheClientCertificateDerToAProxyV2Server() throws Exception {
    start("client_auth: request", "send_proxy_v2: true");

    connect(certs.device(), "-tls1_3");

    ReceivedHeader header = server.nextHeader();
    ReceivedTlv ssl = header.tlv(PP2_TYPE_SSL);
    assertThat(ssl.client()).isEqualTo(CLIENT_SSL | CLIENT_CERT_CONN | CLIENT_CERT_SESS);
    assertThat(ssl.verify()).as("presented, but nobody verified it").isNotZero();
    assertThat(ssl.text(SSL_VERSION)).isEqualTo("TLSv1.3");
    assertThat(ssl.text(SSL_CN)).isEqualTo("device-7");
    assertThat(ssl.text(SSL_CIPHER)).startsWith("TLS_AES_").doesNotContain("WITH");
    // The certificate Sluice served: P-384, signed by the test CA's P-256 key with SHA-256.
    assertThat(ssl.text(SSL_SIG_ALG)).isEqualTo("ecdsa-with-SHA256");
    assertThat(ssl.text(SSL_KEY_ALG)).isEqualTo("EC384");
    assertThat(subTypes(ssl))
        .as("HAProxy's order")
        .containsExactly(SSL_VERSION, SSL_CN, SSL_KEY_ALG, SSL_SIG_ALG, SSL_CIPHER);
    assertThat(header.tlv(0xE0).value()).isEqualTo(der(certs.device()));
  }

  @Test
  void saysTheCertificateWasVerifiedWhenItChainsToTheClientCaAndNamesTheCipherAsOpensslDoes()
      throws Exception {
    start(
        "client_auth: require, client_ca: \"" + certs.ca().cert() + "\"",
        "send_proxy_v2: true, proxy_v2_cert_tlv: 0xE7");

    connect(certs.clientInCa(), "-tls1_2");

    ReceivedHeader header = server.nextHeader();
    ReceivedTlv ssl = header.tlv(PP2_TYPE_SSL);
    assertThat(ssl.verify()).isZero();
    assertThat(ssl.text(SSL_VERSION)).isEqualTo("TLSv1.2");
    assertThat(ssl.text(SSL_CIPHER)).startsWith("ECDHE-ECDSA-");
    assertThat(ssl.text(SSL_CN)).isEqualTo("client.test");
    assertThat(header.tlv(0xE0)).isNull();
    assertThat(header.tlv(0xE7).value()).isEqualTo(der(certs.clientInCa()));
  }

  @Test
  void sendsOnlyTheSslFlagWithoutAClientCertificate() throws Exception {
    start("client_auth: request", "send_proxy_v2: true");

    connect(null, "-tls1_3");

    ReceivedHeader header = server.nextHeader();
    ReceivedTlv ssl = header.tlv(PP2_TYPE_SSL);
    assertThat(ssl.client()).isEqualTo(CLIENT_SSL);
    assertThat(ssl.verify()).isNotZero();
    assertThat(ssl.text(SSL_CN)).isNull();
    assertThat(ssl.text(SSL_VERSION)).isEqualTo("TLSv1.3");
    assertThat(header.tlv(0xE0)).isNull();
  }

  @Test
  void marksACertificateFromAResumedSessionAsOfTheSessionNotTheConnection() throws Exception {
    start("client_auth: request", "send_proxy_v2: true");
    Path session = dir.resolve("session.pem");

    connect(certs.device(), "-tls1_2", "-sess_out", session.toString());
    OpensslClient.Result resumed =
        connect(certs.device(), "-tls1_2", "-sess_in", session.toString());

    assertThat(resumed.reused()).as(resumed.output()).isTrue();
    server.nextHeader();
    ReceivedHeader header = server.nextHeader();
    ReceivedTlv ssl = header.tlv(PP2_TYPE_SSL);
    assertThat(ssl.client()).isEqualTo(CLIENT_SSL | CLIENT_CERT_SESS);
    assertThat(header.tlv(0xE0).value()).isEqualTo(der(certs.device()));
  }

  private void start(String tlsKeys, String serverKeys) throws Exception {
    sluice =
        SluiceRuntime.start(
            TlsTestBed.listener(tlsKeys, certs.p384()).server(server.address(), serverKeys).build(),
            2);
  }

  private OpensslClient.Result connect(Issued client, String... more) {
    List<String> args =
        new ArrayList<>(
            List.of(
                // The echoing server ends only when the client does: leave at the end of input.
                "-no_ign_eof",
                "-servername",
                "p384.test",
                "-CAfile",
                certs.ca().cert().toString()));
    if (client != null) {
      args.addAll(List.of("-cert", client.cert().toString(), "-key", client.key().toString()));
    }
    args.addAll(List.of(more));
    return OpensslClient.run(TlsTestBed.front(sluice), HELLO, args.toArray(new String[0]));
  }

  private static List<Integer> subTypes(ReceivedTlv ssl) {
    return ssl.subTlvs().stream().map(ReceivedTlv::type).toList();
  }

  private static byte[] der(Issued issued) throws Exception {
    try (InputStream in = Files.newInputStream(issued.cert())) {
      return ((X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in))
          .getEncoded();
    }
  }
}
