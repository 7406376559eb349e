package io.sluice.config;

import java.util.List;

/**
 * TLS from Sluice to a pool's servers: Sluice connects, then handshakes as a client before any byte
 * of the client's is relayed.
 *
 * @param enabled whether connections to the pool's servers use TLS; {@code true} unless said
 *     otherwise, so a {@code tls} block of its own turns it on
 * @param verify whether the server's certificate must chain to {@code ca} (or the JVM's trust
 *     store) and name {@code sni} (or the server's host); on unless turned off
 * @param ca PEM bundle of the CAs server certificates must chain to; absent: the JVM's default
 *     trust store (on Debian and Ubuntu, the system's CAs through ca-certificates-java)
 * @param sni the server name sent in the handshake and verified in the certificate; absent: the
 *     server's host when its address is a name (an IP address is sent as no SNI, and verified
 *     against the certificate's IP addresses)
 * @param cert PEM chain of a client certificate to present, leaf first; needs {@code key}
 * @param key PEM file of {@code cert}'s unencrypted private key
 * @param alpn protocols offered by ALPN, in order of preference; empty: no ALPN
 * @param minVersion the oldest TLS version accepted from the server
 */
public record UpstreamTlsConfig(
    Boolean enabled,
    Boolean verify,
    String ca,
    String sni,
    String cert,
    String key,
    List<String> alpn,
    TlsConfig.TlsVersion minVersion) {

  public UpstreamTlsConfig {
    enabled = enabled == null || enabled;
    verify = verify == null || verify;
    alpn = alpn == null ? List.of() : List.copyOf(alpn);
    minVersion = minVersion == null ? TlsConfig.TlsVersion.TLS_1_2 : minVersion;
  }
}
