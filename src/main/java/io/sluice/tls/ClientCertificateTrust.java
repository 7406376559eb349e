package io.sluice.tls;

import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.Provider;
import java.security.Security;
import java.security.cert.PKIXBuilderParameters;
import java.security.cert.X509CertSelector;
import java.security.cert.X509Certificate;
import javax.net.ssl.CertPathTrustManagerParameters;
import javax.net.ssl.TrustManagerFactory;

/**
 * Verifies client certificates against a listener's {@code client_ca} with the JDK's PKIX
 * validator, its signatures checked by AWS-LC when that loads.
 *
 * <p>BoringSSL hands each client chain to a Java trust manager, and the JDK's own EC code verifies
 * a P-384 signature in about 4 ms of CPU: at one certificate per device, a fleet that reconnects at
 * a few thousand handshakes a second could not be served. AWS-LC verifies the same signature in
 * about 0.3 ms. The rules stay the JDK's (path building, validity, basic constraints, key usage,
 * disabled algorithms); only the signature arithmetic moves. Revocation is not checked, as with the
 * JDK's default PKIX trust manager.
 *
 * <p>The provider is added to the JDK's list if it is not there, last, so that the validator can
 * name it; being last, it answers no other lookup that another provider can.
 *
 * <p>Threads: built on the control thread; the trust manager is then called by every event loop.
 */
final class ClientCertificateTrust {
  private ClientCertificateTrust() {}

  /** Who checks the signatures of client chains: "AWS-LC" or "the JDK". */
  static String verifier() {
    return AwsLc.provider() == null ? "the JDK" : "AWS-LC";
  }

  /** A trust manager factory that accepts chains ending at one of {@code cas}. */
  static TrustManagerFactory forCas(X509Certificate[] cas) throws GeneralSecurityException {
    KeyStore anchors = KeyStore.getInstance(KeyStore.getDefaultType());
    try {
      anchors.load(null, null);
    } catch (java.io.IOException e) {
      throw new GeneralSecurityException("an empty key store", e);
    }
    for (int i = 0; i < cas.length; i++) {
      anchors.setCertificateEntry("client-ca-" + i, cas[i]);
    }
    TrustManagerFactory factory = TrustManagerFactory.getInstance("PKIX");
    Provider fast = AwsLc.provider();
    if (fast == null) {
      factory.init(anchors);
      return factory;
    }
    registerLast(fast);
    PKIXBuilderParameters parameters = new PKIXBuilderParameters(anchors, new X509CertSelector());
    parameters.setRevocationEnabled(false);
    parameters.setSigProvider(fast.getName());
    factory.init(new CertPathTrustManagerParameters(parameters));
    return factory;
  }

  private static synchronized void registerLast(Provider provider) {
    if (Security.getProvider(provider.getName()) == null) {
      Security.addProvider(provider);
    }
  }
}
