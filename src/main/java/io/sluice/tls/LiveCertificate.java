package io.sluice.tls;

import io.netty.handler.ssl.SslContext;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * One certificate as a listener serves it: its context, the names it answers for, and the OCSP
 * response stapled to its handshakes.
 *
 * <p>Threads: built by the control thread or a certificate thread; event loops read {@link #staple}
 * (volatile) at each handshake, the OCSP refresher writes it. The rest is immutable.
 */
final class LiveCertificate {
  private final SslContext context;
  private final ServerCertificate certificate;
  private volatile byte[] staple;

  LiveCertificate(SslContext context, ServerCertificate certificate) {
    this.context = context;
    this.certificate = certificate;
  }

  SslContext context() {
    return context;
  }

  ServerCertificate certificate() {
    return certificate;
  }

  X509Certificate leaf() {
    return certificate.leaf();
  }

  List<String> names() {
    return certificate.names();
  }

  /** The DER OCSP response to staple, or {@code null}; never modified once set. */
  byte[] staple() {
    return staple;
  }

  void staple(byte[] response) {
    this.staple = response;
  }
}
