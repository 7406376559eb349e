package io.sluice.tls;

import io.netty.handler.ssl.SslContext;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The ACME challenges the process is answering now, shared by every listener: HTTP-01 tokens for
 * the {@code http} listeners (the CA asks on port 80, whichever listener ordered), TLS-ALPN-01
 * certificates for the TLS listeners. An entry lives only while its order validates, so the tables
 * hold at most the orders in progress, which each listener bounds.
 *
 * <p>Threads: written by certificate threads, read by event loops; both maps are concurrent.
 */
public final class AcmeChallenges {
  private final ConcurrentHashMap<String, String> http01 = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, SslContext> tlsAlpn01 = new ConcurrentHashMap<>();

  /**
   * The key authorization to answer {@code GET /.well-known/acme-challenge/TOKEN} with, or {@code
   * null} when no order waits for that token.
   */
  public String http01(String token) {
    return http01.get(token);
  }

  SslContext tlsAlpn01(String hostname) {
    return hostname == null ? null : tlsAlpn01.get(hostname);
  }

  void offerHttp01(String token, String keyAuthorization) {
    http01.put(token, keyAuthorization);
  }

  void withdrawHttp01(String token) {
    http01.remove(token);
  }

  void offerTlsAlpn01(String hostname, SslContext context) {
    tlsAlpn01.put(hostname, context);
  }

  /** Stops answering for {@code hostname} with {@code context}. */
  void withdrawTlsAlpn01(String hostname, SslContext context) {
    tlsAlpn01.remove(hostname, context);
  }
}
