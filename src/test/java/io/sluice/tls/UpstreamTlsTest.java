package io.sluice.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import io.sluice.config.UpstreamTlsConfig;
import io.sluice.testing.TestCertificates;
import io.sluice.testing.TestCertificates.Issued;
import io.sluice.testing.TestCertificates.KeyType;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.util.List;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

class UpstreamTlsTest {
  @TempDir Path dir;

  @Test
  void namesARefusedServerCertificateCertificateVerifyFailedWhateverWrapsIt() {
    SSLHandshakeException general = new SSLHandshakeException("General OpenSslEngine problem");
    general.initCause(new CertificateException("No subject alternative DNS name matching x"));

    assertThat(UpstreamTls.failureReason(general)).isEqualTo("CERTIFICATE_VERIFY_FAILED");
    assertThat(UpstreamTls.failureReason(new SslHandshakeTimeoutException("timed out")))
        .isEqualTo("TIMEOUT");
    assertThat(UpstreamTls.failureReason(null)).isEqualTo("CLOSED");
  }

  @Test
  void refusesAClientKeyThatDoesNotBelongToItsCertificate() throws Exception {
    TestCertificates maker = new TestCertificates(dir);
    Issued ca = maker.ca("CA");
    Issued one = maker.issue(ca, "one", KeyType.P256, "one.test");
    Issued other = maker.issue(ca, "other", KeyType.P256, "other.test");

    assertThatThrownBy(
            () ->
                UpstreamTls.start(
                    "back",
                    new UpstreamTlsConfig(
                        null,
                        null,
                        null,
                        null,
                        one.cert().toString(),
                        other.key().toString(),
                        null,
                        null),
                    null))
        .isInstanceOf(TlsSetupException.class)
        .hasMessage("the key in '" + other.key() + "' does not belong to '" + one.cert() + "'");
  }

  @Test
  void warnsOnceForAStormOfFailuresWithinTenSeconds() throws Exception {
    ListAppender<ILoggingEvent> logged = new ListAppender<>();
    logged.start();
    Logger logger = (Logger) LoggerFactory.getLogger(UpstreamTls.class);
    logger.addAppender(logged);
    try (UpstreamTls tls =
        UpstreamTls.start(
            "back", new UpstreamTlsConfig(null, false, null, null, null, null, null, null), null)) {
      for (int i = 0; i < 100; i++) {
        tls.logFailure("10.0.0.1:443", "CERTIFICATE_VERIFY_FAILED", null);
      }
    } finally {
      logger.detachAppender(logged);
    }

    List<String> warnings =
        logged.list.stream()
            .filter(e -> e.getLevel() == ch.qos.logback.classic.Level.WARN)
            .map(ILoggingEvent::getFormattedMessage)
            .toList();
    assertThat(warnings)
        .containsExactly(
            "pool back: TLS handshake with server 10.0.0.1:443 failed: CERTIFICATE_VERIFY_FAILED");
  }
}
