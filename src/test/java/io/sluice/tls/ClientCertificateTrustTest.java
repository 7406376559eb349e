package io.sluice.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.testing.TestCertificates;
import io.sluice.testing.TestCertificates.Issued;
import io.sluice.testing.TestCertificates.KeyType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Security;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Client chains checked against {@code client_ca} with AWS-LC doing the signature arithmetic: the
 * same answers as the JDK's validator, including for a certificate whose issuer only has the CA's
 * name.
 */
class ClientCertificateTrustTest {
  @TempDir Path dir;

  @Test
  void verifiesWithAwsLcOnLinuxX8664() throws Exception {
    TestCertificates maker = new TestCertificates(dir);
    Issued ca = maker.ca("devices-ca");

    ClientCertificateTrust.forCas(new X509Certificate[] {certificate(ca)});

    // The jar ships AWS-LC for this platform, and CI runs on it.
    if (System.getProperty("os.arch").equals("amd64")
        && System.getProperty("os.name").equals("Linux")) {
      assertThat(ClientCertificateTrust.verifier()).isEqualTo("AWS-LC");
      assertThat(Security.getProvider(AwsLc.provider().getName())).isSameAs(AwsLc.provider());
      assertThat(Security.getProviders()[Security.getProviders().length - 1])
          .as("registered last, so it answers no lookup another provider can")
          .isSameAs(AwsLc.provider());
    }
  }

  @Test
  void acceptsAP384DeviceCertificateTheCaIssued() throws Exception {
    TestCertificates maker = new TestCertificates(dir);
    Issued ca = maker.ca("devices-ca");
    X509TrustManager trust = trustFor(ca);

    for (int i = 0; i < 3; i++) {
      Issued device = maker.issue(ca, "device-" + i, KeyType.P384);
      trust.checkClientTrusted(new X509Certificate[] {certificate(device)}, "EC");
    }
  }

  @Test
  void refusesACertificateFromAnotherCaOfTheSameName() throws Exception {
    Issued ca = new TestCertificates(dir).ca("devices-ca");
    Path elsewhere = Files.createDirectory(dir.resolve("impostor"));
    TestCertificates impostorMaker = new TestCertificates(elsewhere);
    Issued impostor = impostorMaker.ca("devices-ca");
    Issued forged = impostorMaker.issue(impostor, "device-9", KeyType.P384);
    assertThat(certificate(forged).getIssuerX500Principal())
        .isEqualTo(certificate(ca).getSubjectX500Principal());

    X509TrustManager trust = trustFor(ca);

    assertThatThrownBy(
            () -> trust.checkClientTrusted(new X509Certificate[] {certificate(forged)}, "EC"))
        .isInstanceOf(CertificateException.class);
  }

  @Test
  void refusesASelfSignedDeviceCertificate() throws Exception {
    TestCertificates maker = new TestCertificates(dir);
    Issued ca = maker.ca("devices-ca");
    Issued device = maker.selfSigned("device-7", KeyType.P384);

    X509TrustManager trust = trustFor(ca);

    assertThatThrownBy(
            () -> trust.checkClientTrusted(new X509Certificate[] {certificate(device)}, "EC"))
        .isInstanceOf(CertificateException.class);
  }

  private static X509TrustManager trustFor(Issued ca) throws Exception {
    return (X509TrustManager)
        ClientCertificateTrust.forCas(new X509Certificate[] {certificate(ca)})
            .getTrustManagers()[0];
  }

  private static X509Certificate certificate(Issued issued) throws Exception {
    return PemFiles.certificates(issued.cert()).get(0);
  }
}
