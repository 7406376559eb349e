package io.sluice.tls;

import io.netty.handler.ssl.OpenSslAsyncPrivateKeyMethod;
import java.security.spec.AlgorithmParameterSpec;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;

/**
 * The TLS signature schemes BoringSSL may ask Sluice to compute, with the JCA algorithm for each.
 * ECDSA returns DER, which is what TLS sends. SHA-1 schemes stay for TLS 1.2 clients that offer
 * nothing better; Ed25519 and MD5+SHA1 (TLS 1.0) are never asked for with the keys and versions
 * Sluice serves.
 */
enum SignatureScheme {
  RSA_PKCS1_SHA1(OpenSslAsyncPrivateKeyMethod.SSL_SIGN_RSA_PKCS1_SHA1, "SHA1withRSA", null),
  RSA_PKCS1_SHA256(OpenSslAsyncPrivateKeyMethod.SSL_SIGN_RSA_PKCS1_SHA256, "SHA256withRSA", null),
  RSA_PKCS1_SHA384(OpenSslAsyncPrivateKeyMethod.SSL_SIGN_RSA_PKCS1_SHA384, "SHA384withRSA", null),
  RSA_PKCS1_SHA512(OpenSslAsyncPrivateKeyMethod.SSL_SIGN_RSA_PKCS1_SHA512, "SHA512withRSA", null),
  RSA_PSS_SHA256(OpenSslAsyncPrivateKeyMethod.SSL_SIGN_RSA_PSS_RSAE_SHA256, "RSASSA-PSS", pss(256)),
  RSA_PSS_SHA384(OpenSslAsyncPrivateKeyMethod.SSL_SIGN_RSA_PSS_RSAE_SHA384, "RSASSA-PSS", pss(384)),
  RSA_PSS_SHA512(OpenSslAsyncPrivateKeyMethod.SSL_SIGN_RSA_PSS_RSAE_SHA512, "RSASSA-PSS", pss(512)),
  ECDSA_SHA1(OpenSslAsyncPrivateKeyMethod.SSL_SIGN_ECDSA_SHA1, "SHA1withECDSA", null),
  ECDSA_P256_SHA256(
      OpenSslAsyncPrivateKeyMethod.SSL_SIGN_ECDSA_SECP256R1_SHA256, "SHA256withECDSA", null),
  ECDSA_P384_SHA384(
      OpenSslAsyncPrivateKeyMethod.SSL_SIGN_ECDSA_SECP384R1_SHA384, "SHA384withECDSA", null),
  ECDSA_P521_SHA512(
      OpenSslAsyncPrivateKeyMethod.SSL_SIGN_ECDSA_SECP521R1_SHA512, "SHA512withECDSA", null);

  private static final SignatureScheme[] VALUES = values();

  final int tlsCode;
  final String jcaAlgorithm;

  /** PSS parameters; {@code null} for schemes that take none. */
  final AlgorithmParameterSpec parameters;

  SignatureScheme(int tlsCode, String jcaAlgorithm, AlgorithmParameterSpec parameters) {
    this.tlsCode = tlsCode;
    this.jcaAlgorithm = jcaAlgorithm;
    this.parameters = parameters;
  }

  /** The scheme for a TLS code point, or {@code null} for one Sluice does not sign with. */
  static SignatureScheme of(int tlsCode) {
    for (SignatureScheme scheme : VALUES) {
      if (scheme.tlsCode == tlsCode) {
        return scheme;
      }
    }
    return null;
  }

  /** RFC 8446 §4.2.3: MGF1 with the same hash, salt as long as the hash. */
  private static PSSParameterSpec pss(int bits) {
    String hash = "SHA-" + bits;
    MGF1ParameterSpec mgf =
        switch (bits) {
          case 256 -> MGF1ParameterSpec.SHA256;
          case 384 -> MGF1ParameterSpec.SHA384;
          default -> MGF1ParameterSpec.SHA512;
        };
    return new PSSParameterSpec(hash, "MGF1", mgf, bits / 8, PSSParameterSpec.TRAILER_FIELD_BC);
  }
}
