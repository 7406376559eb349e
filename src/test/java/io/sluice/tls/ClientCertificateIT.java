package io.sluice.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.observe.TerminationState;
import io.sluice.runtime.SluiceRuntime;
import io.sluice.testing.HttpBackend;
import io.sluice.testing.OpensslClient;
import io.sluice.testing.TestCertificates.Issued;
import io.sluice.tls.TlsTestBed.Certificates;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Client certificates: {@code request} asks for one and accepts any (devices carry self-signed
 * ones), {@code require} accepts only certificates from the configured CAs. The session keeps the
 * certificate; the access log names its subject.
 */
class ClientCertificateIT {
  private static final byte[] REQUEST =
      "GET / HTTP/1.1\r\nHost: test\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

  private final Certificates certs = TlsTestBed.certificates();
  private HttpBackend backend;
  private SluiceRuntime sluice;
  @TempDir Path dir;

  @BeforeEach
  void startBackend() throws Exception {
    backend = new HttpBackend();
  }

  @AfterEach
  void stop() throws Exception {
    if (sluice != null) {
      sluice.stop(Duration.ZERO);
    }
    backend.close();
  }

  @Test
  void requestAcceptsASelfSignedDeviceCertificateAndTheSessionSeesIt() throws Exception {
    start("client_auth: request");

    OpensslClient.Result result = connect(certs.device());

    assertThat(result.output()).contains(HttpBackend.BODY);
    assertThat(accessLogLine()).contains("{TLSv1.3/full \"CN=device-7\"}");
  }

  @Test
  void requestLetsAClientWithoutACertificateThrough() throws Exception {
    start("client_auth: request");

    OpensslClient.Result result = connect(null);

    assertThat(result.output()).contains(HttpBackend.BODY);
    assertThat(accessLogLine()).contains("{TLSv1.3/full}");
  }

  @Test
  void requireAcceptsACertificateFromTheClientCa() throws Exception {
    start("client_auth: require, client_ca: \"" + certs.ca().cert() + "\"");

    OpensslClient.Result result = connect(certs.clientInCa());

    assertThat(result.output()).contains(HttpBackend.BODY);
    assertThat(accessLogLine()).contains("\"CN=client.test\"}");
  }

  @Test
  void requireRefusesACertificateOutsideTheClientCa() throws Exception {
    start("client_auth: require, client_ca: \"" + certs.ca().cert() + "\"");

    OpensslClient.Result result = connect(certs.device());

    assertThat(result.output()).doesNotContain(HttpBackend.BODY);
    await().until(() -> terminations(TerminationState.CLIENT_ABORTED_DURING_REQUEST) == 1);
    assertThat(accessLogLine()).contains(" CR ").contains("{!");
    assertThat(sluice.tlsStats("front").failedHandshakes()).isEqualTo(1);
    assertThat(backend.requests()).isZero();
  }

  @Test
  void requireRefusesAClientWithoutACertificate() throws Exception {
    start("client_auth: require, client_ca: \"" + certs.ca().cert() + "\"");

    OpensslClient.Result result = connect(null);

    assertThat(result.output()).doesNotContain(HttpBackend.BODY);
    await().until(() -> terminations(TerminationState.CLIENT_ABORTED_DURING_REQUEST) == 1);
    assertThat(backend.requests()).isZero();
  }

  private void start(String tlsKeys) throws Exception {
    sluice =
        SluiceRuntime.start(
            TlsTestBed.listener(tlsKeys, certs.p384())
                .server(backend.address())
                .accessLog(dir.resolve("access.log").toString())
                .build(),
            2);
  }

  private OpensslClient.Result connect(Issued clientCertificate) {
    String ca = certs.ca().cert().toString();
    String front = "p384.test";
    return clientCertificate == null
        ? OpensslClient.run(TlsTestBed.front(sluice), REQUEST, "-servername", front, "-CAfile", ca)
        : OpensslClient.run(
            TlsTestBed.front(sluice),
            REQUEST,
            "-servername",
            front,
            "-CAfile",
            ca,
            "-cert",
            clientCertificate.cert().toString(),
            "-key",
            clientCertificate.key().toString());
  }

  private String accessLogLine() {
    Path log = dir.resolve("access.log");
    await().until(() -> Files.exists(log) && Files.readString(log).endsWith("\n"));
    try {
      return Files.readString(log);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private long terminations(TerminationState state) {
    return sluice.stats("front").terminations().get(state);
  }
}
