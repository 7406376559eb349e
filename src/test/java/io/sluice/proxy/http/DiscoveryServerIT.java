package io.sluice.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.runtime.SluiceRuntime;
import io.sluice.testing.Curl;
import io.sluice.testing.DiscosrvPeer;
import io.sluice.testing.RuntimeTest;
import io.sluice.testing.TestCertificates;
import io.sluice.testing.TestCertificates.Issued;
import io.sluice.testing.TestCertificates.KeyType;
import io.sluice.testing.TestConfigs;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Syncthing's discovery server behind an {@code https} listener that asks for client certificates:
 * a device announces itself with its self-signed P-384 certificate, which Sluice forwards in the
 * header the server reads, and a lookup by the device ID derived from that certificate finds the
 * announced address. A client without a certificate cannot pass a forged header through.
 */
class DiscoveryServerIT extends RuntimeTest {
  /**
   * A documentation address (RFC 5737), never dialled: stdiscosrv drops loopback addresses from
   * announcements, so {@code tcp://127.0.0.1:22000} would leave nothing to look up.
   */
  private static final String ANNOUNCED = "tcp://192.0.2.7:22000";

  private static final String ANNOUNCEMENT = "{\"addresses\":[\"" + ANNOUNCED + "\"]}";

  @RegisterExtension final DiscosrvPeer discosrv = new DiscosrvPeer();
  @TempDir Path dir;

  private Issued serverCertificate;
  private Issued device;

  @BeforeEach
  void start() throws Exception {
    TestCertificates certs = new TestCertificates(dir);
    serverCertificate = certs.selfSigned("discovery.test", KeyType.P384, "discovery.test");
    device = certs.selfSigned("syncthing", KeyType.P384);
    discosrv.start();
  }

  /** Starts Sluice in front of discosrv, forwarding client certificates in {@code headers}. */
  private String startSluice(String headers) throws Exception {
    String tls =
        "{certificates: [{cert: \"%s\", key: \"%s\"}], client_auth: request}"
            .formatted(serverCertificate.cert(), serverCertificate.key());
    sluice =
        SluiceRuntime.start(
            TestConfigs.http()
                .listener("protocol", "https")
                .listener("tls", tls)
                .listener("http", "{client_cert_headers: [" + headers + "]}")
                .server(discosrv.address())
                .build(),
            2);
    return "https://" + sluice.boundAddressTexts("front").get(0);
  }

  @Test
  void deviceIdsAreComputedAsSyncthingDoes() throws Exception {
    assertThat(DiscosrvPeer.deviceId(discosrv.certificate())).isEqualTo(discosrv.ownDeviceId());
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"x_ssl_cert", "x_forwarded_tls_client_cert"})
  void deviceAnnouncesWithItsCertificateAndIsFoundByItsId(String header) throws Exception {
    String url = startSluice(header);

    Curl.Result announce =
        Curl.run(
            "-k",
            "--cert",
            device.cert().toString(),
            "--key",
            device.key().toString(),
            "-H",
            "Content-Type: application/json",
            "--data",
            ANNOUNCEMENT,
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            url + "/v2/");
    Curl.Result lookup = lookup(url, DiscosrvPeer.deviceId(device.cert()));

    assertThat(announce.out()).as(announce.err()).isEqualTo("204");
    assertThat(lookup.out()).endsWith("\n200").contains("\"addresses\":[\"" + ANNOUNCED + "\"]");
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"X-SSL-Cert", "X-Forwarded-Tls-Client-Cert"})
  void forgedCertificateHeaderFromAClientWithoutCertificateIsRefused(String header)
      throws Exception {
    String url = startSluice("x_ssl_cert, x_forwarded_tls_client_cert");
    String forged = header + ": " + forgedValue(header);
    String deviceId = DiscosrvPeer.deviceId(device.cert());

    Curl.Result throughSluice = announceWith(url, forged);
    Curl.Result lookupAfterForgery = lookup(url, deviceId);
    // The same header sent to discosrv directly is taken: the refusal above is Sluice's doing.
    Curl.Result direct = announceWith("http://" + discosrv.address(), forged);
    Curl.Result lookupAfterDirect = lookup(url, deviceId);

    assertThat(throughSluice.out()).isEqualTo("403");
    assertThat(lookupAfterForgery.out()).endsWith("\n404");
    assertThat(direct.out()).isEqualTo("204");
    assertThat(lookupAfterDirect.out()).endsWith("\n200").contains(ANNOUNCED);
  }

  private static Curl.Result announceWith(String url, String header) throws Exception {
    return Curl.run(
        "-k",
        "-H",
        header,
        "-H",
        "Content-Type: application/json",
        "--data",
        ANNOUNCEMENT,
        "-o",
        "/dev/null",
        "-w",
        "%{http_code}",
        url + "/v2/");
  }

  private static Curl.Result lookup(String url, String deviceId) throws Exception {
    return Curl.run("-k", "-w", "\\n%{http_code}", url + "/v2/?device=" + deviceId);
  }

  /** The device's certificate as a proxy would put it in {@code header}, URL-escaped. */
  private String forgedValue(String header) throws Exception {
    String value =
        header.equals("X-SSL-Cert")
            ? Files.readString(device.cert())
            : Base64.getEncoder().encodeToString(DiscosrvPeer.der(device.cert()));
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }
}
