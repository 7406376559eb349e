package io.sluice.proxy.tcp;

/**
 * What a server behind a TLS listener may learn of the client's TLS session through the PROXY v2
 * header's SSL TLV, in the form HAProxy sends it.
 *
 * @param version the protocol, as OpenSSL names it ({@code TLSv1.3})
 * @param cipher the cipher suite, as OpenSSL names it ({@code TLS_AES_128_GCM_SHA256}, {@code
 *     ECDHE-ECDSA-AES128-GCM-SHA256})
 * @param certificateDer the client certificate's DER bytes, or {@code null} when it sent none
 * @param commonName the client certificate subject's CN, or {@code null}
 * @param certificateInConnection whether the certificate came in this connection's handshake rather
 *     than with a resumed session
 * @param verified whether the certificate was verified against the listener's {@code client_ca}
 * @param signatureAlgorithm how the certificate Sluice served was signed, as OpenSSL's short name
 *     ({@code ecdsa-with-SHA256}), or {@code null}
 * @param keyAlgorithm the served certificate's key type and size ({@code EC384}, {@code RSA2048}),
 *     or {@code null}
 */
public record ClientTlsFacts(
    String version,
    String cipher,
    byte[] certificateDer,
    String commonName,
    boolean certificateInConnection,
    boolean verified,
    String signatureAlgorithm,
    String keyAlgorithm) {}
