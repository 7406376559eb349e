package io.sluice.tls;

import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;

/**
 * Which certificate a handshake gets, asked once per ClientHello on the connection's event loop.
 * Never blocks: a certificate that is not there yet (ordered on demand) comes as a future that
 * completes, at the latest, when its bounded wait ends.
 */
interface CertificateSelection {
  /**
   * The certificate for {@code hostname} ({@code null}: no SNI).
   *
   * @param loop the connection's event loop, whose promises the returned future may be
   */
  Future<LiveCertificate> select(String hostname, EventExecutor loop);

  /**
   * The context of a TLS-ALPN-01 validation in progress for {@code hostname}, or {@code null}.
   * Asked only when the ClientHello offers ALPN {@code acme-tls/1}.
   */
  SslContext challenge(String hostname);
}
