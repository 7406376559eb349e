package io.sluice.tls;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The certificate a listener serves while the real one is being obtained, and to names it has no
 * certificate for: self-signed, made in memory at start (a P-256 key takes a millisecond), never
 * stored. Clients refuse it, which is the honest answer until the CA has spoken; its subject says
 * what it is, for whoever looks.
 */
final class SelfSignedFallback {
  static final String SUBJECT = "CN=Sluice self-signed fallback";

  /** The subject as {@code X500Principal.getName()} writes it. */
  static final String PRINCIPAL = new javax.security.auth.x500.X500Principal(SUBJECT).getName();

  private SelfSignedFallback() {}

  static ServerCertificate create(List<String> names) throws TlsSetupException {
    KeyPair key = AcmeStorage.newKeyPair();
    Instant now = Instant.now();
    X500Name subject = new X500Name(SUBJECT);
    JcaX509v3CertificateBuilder builder =
        new JcaX509v3CertificateBuilder(
            subject,
            new BigInteger(64, new SecureRandom()),
            Date.from(now.minus(Duration.ofMinutes(5))),
            Date.from(now.plus(Duration.ofDays(365))),
            subject,
            key.getPublic());
    try {
      builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
      if (!names.isEmpty()) {
        List<GeneralName> alternatives = new ArrayList<>();
        for (String name : names) {
          alternatives.add(new GeneralName(GeneralName.dNSName, name));
        }
        builder.addExtension(
            Extension.subjectAlternativeName,
            false,
            new GeneralNames(alternatives.toArray(new GeneralName[0])));
      }
      X509Certificate certificate =
          new JcaX509CertificateConverter()
              .getCertificate(
                  builder.build(
                      new JcaContentSignerBuilder("SHA256withECDSA").build(key.getPrivate())));
      return new ServerCertificate(List.of(certificate), key.getPrivate(), List.of());
    } catch (CertIOException | OperatorCreationException | GeneralSecurityException e) {
      throw new TlsSetupException("cannot make the self-signed fallback: " + e.getMessage(), e);
    }
  }
}
