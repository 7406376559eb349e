package io.sluice.runtime;

import io.netty.channel.ChannelHandler;
import io.sluice.proxy.tcp.ClientTls;
import io.sluice.proxy.tcp.ClientTlsFacts;
import io.sluice.tls.HandshakeFacts;
import io.sluice.tls.TlsTerminator;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import javax.net.ssl.SSLEngine;

/** A listener's {@link TlsTerminator} as the L4 relay asks for it. */
final class TlsTermination implements ClientTls {
  private final TlsTerminator terminator;

  TlsTermination(TlsTerminator terminator) {
    this.terminator = terminator;
  }

  @Override
  public ChannelHandler newHandshakeHandler() {
    return terminator.newHandshakeHandler();
  }

  @Override
  public Duration handshakeTimeout() {
    return terminator.handshakeTimeout();
  }

  @Override
  public boolean resumed(SSLEngine engine, long handshakeStartedMillis) {
    return TlsTerminator.resumed(engine, handshakeStartedMillis);
  }

  @Override
  public boolean shed(Throwable cause) {
    return TlsTerminator.isShed(cause);
  }

  @Override
  public String failureReason(Throwable cause) {
    return TlsTerminator.failureReason(cause);
  }

  @Override
  public ClientTlsFacts facts(SSLEngine engine, boolean resumed, X509Certificate certificate) {
    X509Certificate served = HandshakeFacts.servedCertificate(engine);
    return new ClientTlsFacts(
        HandshakeFacts.version(engine),
        HandshakeFacts.cipher(engine),
        certificate == null ? null : der(certificate),
        certificate == null ? null : HandshakeFacts.commonName(certificate),
        certificate != null && !resumed,
        certificate != null && terminator.verifiesClientCertificates(),
        served == null ? null : HandshakeFacts.signatureAlgorithm(served),
        served == null ? null : HandshakeFacts.keyAlgorithm(served));
  }

  private static byte[] der(X509Certificate certificate) {
    try {
      return certificate.getEncoded();
    } catch (CertificateEncodingException e) {
      // It was decoded from these bytes during the handshake.
      throw new IllegalStateException(e);
    }
  }
}
