package io.sluice.tls;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.NotSslRecordException;
import java.nio.channels.ClosedChannelException;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;

/** How failed handshakes read in the log. */
class TlsTerminatorTest {
  @Test
  void keepsBoringSslsReasonCode() {
    assertThat(
            TlsTerminator.failureReason(
                new SSLHandshakeException(
                    "error:10000116:SSL routines:OPENSSL_internal:NO_SUPPORTED_VERSIONS_FROM_CLIENT")))
        .isEqualTo("NO_SUPPORTED_VERSIONS_FROM_CLIENT");
  }

  @Test
  void namesBytesThatAreNoTlsClientsThatLeftAndShedHandshakes() {
    assertThat(TlsTerminator.failureReason(new DecoderException(new NotSslRecordException("x"))))
        .isEqualTo("NOT_TLS");
    assertThat(TlsTerminator.failureReason(new ClosedChannelException())).isEqualTo("CLOSED");
    assertThat(TlsTerminator.failureReason(null)).isEqualTo("CLOSED");
    assertThat(TlsTerminator.failureReason(AsyncSigningMethod.SHED)).isEqualTo("SHED");
    assertThat(TlsTerminator.isShed(AsyncSigningMethod.SHED)).isTrue();
    assertThat(TlsTerminator.isShed(new SSLHandshakeException("shed"))).isFalse();
  }

  @Test
  void writesAJdkMessageWithoutSpaces() {
    assertThat(
            TlsTerminator.failureReason(
                new SSLHandshakeException("Received fatal alert: bad_certificate")))
        .isEqualTo("Received_fatal_alert:_bad_certificate");
  }
}
