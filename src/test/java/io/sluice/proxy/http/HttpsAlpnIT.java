package io.sluice.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.runtime.SluiceRuntime;
import io.sluice.testing.Curl;
import io.sluice.testing.DiscosrvPeer;
import io.sluice.testing.EchoHttpServer;
import io.sluice.testing.RuntimeTest;
import io.sluice.testing.Sockets;
import io.sluice.testing.TestCertificates;
import io.sluice.testing.TestCertificates.Issued;
import io.sluice.testing.TestCertificates.KeyType;
import io.sluice.testing.TestConfigs;
import java.io.ByteArrayInputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * An {@code https} listener with a P-256 certificate: ALPN picks HTTP/2 or HTTP/1.1 as the client
 * offers, and over either the client's certificate reaches the server in each configured header
 * format, decoding to the very certificate the client holds; certificate headers a client sends
 * itself never get through.
 */
class HttpsAlpnIT extends RuntimeTest {
  private static final String HOST = "alpn.test";

  @TempDir Path dir;

  private Issued ca;
  private Issued client;
  private EchoHttpServer backend;
  private String url;
  private String resolve;

  @BeforeEach
  void start() throws Exception {
    TestCertificates certs = new TestCertificates(dir);
    ca = certs.ca("Sluice Test CA");
    Issued server = certs.issue(ca, HOST, KeyType.P256, HOST);
    client = certs.selfSigned("syncthing", KeyType.P384);
    backend = keep(EchoHttpServer.start("a"));
    String tls =
        "{certificates: [{cert: \"%s\", key: \"%s\"}], client_auth: request}"
            .formatted(server.cert(), server.key());
    sluice =
        SluiceRuntime.start(
            TestConfigs.http()
                .listener("protocol", "https")
                .listener("tls", tls)
                .listener(
                    "http",
                    "{client_cert_headers: [x_ssl_cert, x_forwarded_tls_client_cert, sha256]}")
                .server(backend.address())
                .build(),
            2);
    int port = ((InetSocketAddress) sluice.boundAddresses("front").get(0)).getPort();
    url = "https://" + HOST + ":" + port;
    resolve = HOST + ":" + port + ":127.0.0.1";
  }

  /** curl verifying Sluice's certificate against the test CA, with {@code args} before the URL. */
  private Curl.Result curl(String path, String... args) throws Exception {
    List<String> command =
        new ArrayList<>(List.of("--cacert", ca.cert().toString(), "--resolve", resolve));
    command.addAll(List.of(args));
    command.add(url + path);
    return Curl.run(command.toArray(String[]::new));
  }

  @Test
  void offersHttp2ThroughAlpn() throws Exception {
    Curl.Result result = curl("/h2", "--http2", "-w", "\\n%{http_version}");

    assertThat(result.exit()).as(result.err()).isZero();
    assertThat(result.out()).contains("x-forwarded-proto: https").endsWith("\n2");
  }

  @Test
  void speaksHttp11ToAClientThatOffersOnlyThat() throws Exception {
    Curl.Result result = curl("/h1", "--http1.1", "-w", "\\n%{http_version}");

    assertThat(result.exit()).as(result.err()).isZero();
    assertThat(result.out()).contains("x-forwarded-proto: https").endsWith("\n1.1");
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"--http1.1", "--http2"})
  void clientCertificateReachesTheServerInEveryHeaderFormat(String version) throws Exception {
    byte[] der = DiscosrvPeer.der(client.cert());

    Curl.Result result =
        curl(
            "/cert",
            version,
            "--cert",
            client.cert().toString(),
            "--key",
            client.key().toString(),
            // Copies of Sluice's own headers from the client are replaced, never added to.
            "-H",
            "X-SSL-Cert: forged",
            "-H",
            "X-Forwarded-Tls-Client-Cert: forged",
            "-H",
            "X-SSL-Client-SHA256: forged");
    Map<String, String> seen = lastRequestHeaders();

    assertThat(result.exit()).as(result.err()).isZero();
    assertThat(fromEscapedPem(seen.get("x-ssl-cert"))).isEqualTo(der);
    assertThat(fromEscapedBase64(seen.get("x-forwarded-tls-client-cert"))).isEqualTo(der);
    assertThat(seen.get("x-ssl-client-sha256")).isEqualTo(Sockets.sha256(der));
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"--http1.1", "--http2"})
  void forgedCertificateHeadersAreRemovedWhenTheClientSendsNoCertificate(String version)
      throws Exception {
    String forgedPem = URLEncoder.encode(Files.readString(client.cert()), StandardCharsets.UTF_8);

    Curl.Result result =
        curl(
            "/forged",
            version,
            "-H",
            "X-SSL-Cert: " + forgedPem,
            "-H",
            "X-Forwarded-Tls-Client-Cert: forged",
            "-H",
            "X-SSL-Client-SHA256: forged");
    Map<String, String> seen = lastRequestHeaders();

    assertThat(result.exit()).as(result.err()).isZero();
    assertThat(backend.requests("/forged")).isEqualTo(1);
    assertThat(seen)
        .doesNotContainKeys("x-ssl-cert", "x-forwarded-tls-client-cert", "x-ssl-client-sha256");
    assertThat(seen).containsEntry("x-forwarded-proto", "https");
  }

  private Map<String, String> lastRequestHeaders() {
    List<Map<String, String>> seen = backend.seen();
    assertThat(seen).isNotEmpty();
    return seen.get(seen.size() - 1);
  }

  /** nginx's {@code $ssl_client_escaped_cert}: a URL-escaped PEM. */
  private static byte[] fromEscapedPem(String header) throws Exception {
    assertThat(header).isNotNull().doesNotContain("\n", " ", "+");
    String pem = URLDecoder.decode(header, StandardCharsets.UTF_8);
    assertThat(pem).startsWith("-----BEGIN CERTIFICATE-----\n");
    return CertificateFactory.getInstance("X.509")
        .generateCertificate(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)))
        .getEncoded();
  }

  /** Traefik's {@code X-Forwarded-Tls-Client-Cert}: URL-escaped base64 of the DER. */
  private static byte[] fromEscapedBase64(String header) {
    assertThat(header).isNotNull().doesNotContain("+", "/", "=");
    return Base64.getDecoder().decode(URLDecoder.decode(header, StandardCharsets.UTF_8));
  }
}
