package io.sluice.tls;

import io.netty.handler.ssl.CipherSuiteConverter;
import io.netty.handler.ssl.ReferenceCountedOpenSslEngine;
import io.netty.internal.tcnative.SSL;
import java.security.PublicKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.util.Map;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;

/**
 * A finished handshake described the way HAProxy describes it to servers (PROXY v2 SSL TLV, {@code
 * ssl_fc_*} fetches): OpenSSL's names for the version and cipher, the served certificate's
 * signature algorithm as OpenSSL's short name and its key as type and size ({@code EC384}).
 *
 * <p>Stateless; called on event loops.
 */
public final class HandshakeFacts {
  /** OpenSSL's short names of the signature algorithms certificates are signed with, by OID. */
  private static final Map<String, String> SIGNATURE_NAMES =
      Map.of(
          "1.2.840.10045.4.3.2", "ecdsa-with-SHA256",
          "1.2.840.10045.4.3.3", "ecdsa-with-SHA384",
          "1.2.840.10045.4.3.4", "ecdsa-with-SHA512",
          "1.2.840.113549.1.1.5", "RSA-SHA1",
          "1.2.840.113549.1.1.10", "RSASSA-PSS",
          "1.2.840.113549.1.1.11", "RSA-SHA256",
          "1.2.840.113549.1.1.12", "RSA-SHA384",
          "1.2.840.113549.1.1.13", "RSA-SHA512",
          "1.3.101.112", "ED25519");

  private HandshakeFacts() {}

  /** {@code TLSv1.3}, {@code TLSv1.2}. */
  public static String version(SSLEngine engine) {
    long ssl = pointer(engine);
    return ssl != 0 ? SSL.getVersion(ssl) : engine.getSession().getProtocol();
  }

  /**
   * The cipher suite as OpenSSL names it ({@code ECDHE-ECDSA-AES128-GCM-SHA256}, {@code
   * TLS_AES_128_GCM_SHA256}), as HAProxy built on OpenSSL sends it; BoringSSL itself uses the IETF
   * names.
   */
  public static String cipher(SSLEngine engine) {
    String standard = engine.getSession().getCipherSuite();
    String openssl = CipherSuiteConverter.toOpenSsl(standard, false);
    return openssl != null ? openssl : standard;
  }

  /** The certificate Sluice served in the handshake, or {@code null}. */
  public static X509Certificate servedCertificate(SSLEngine engine) {
    SSLSession session = engine.getSession();
    Certificate[] local = session.getLocalCertificates();
    return local != null && local.length > 0 && local[0] instanceof X509Certificate leaf
        ? leaf
        : null;
  }

  /** The subject's first common name, or {@code null}. */
  public static String commonName(X509Certificate certificate) {
    try {
      for (Rdn rdn : new LdapName(certificate.getSubjectX500Principal().getName()).getRdns()) {
        if (rdn.getType().equalsIgnoreCase("CN")) {
          return rdn.getValue().toString();
        }
      }
    } catch (InvalidNameException e) {
      return null;
    }
    return null;
  }

  /** How {@code certificate} was signed, as OpenSSL's short name ({@code ecdsa-with-SHA384}). */
  public static String signatureAlgorithm(X509Certificate certificate) {
    return SIGNATURE_NAMES.getOrDefault(certificate.getSigAlgOID(), certificate.getSigAlgName());
  }

  /** The key's type and size as HAProxy writes them: {@code EC256}, {@code RSA2048}. */
  public static String keyAlgorithm(X509Certificate certificate) {
    PublicKey key = certificate.getPublicKey();
    if (key instanceof ECPublicKey ec) {
      return "EC" + ec.getParams().getCurve().getField().getFieldSize();
    }
    if (key instanceof RSAPublicKey rsa) {
      return "RSA" + rsa.getModulus().bitLength();
    }
    return key.getAlgorithm().toUpperCase(java.util.Locale.ROOT);
  }

  private static long pointer(SSLEngine engine) {
    return engine instanceof ReferenceCountedOpenSslEngine openssl ? openssl.sslPointer() : 0;
  }
}
