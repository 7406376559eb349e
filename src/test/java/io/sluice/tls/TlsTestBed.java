package io.sluice.tls;

import io.sluice.runtime.SluiceRuntime;
import io.sluice.testing.TestCertificates;
import io.sluice.testing.TestCertificates.Issued;
import io.sluice.testing.TestCertificates.KeyType;
import io.sluice.testing.TestConfigs;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What the TLS integration tests share: one set of certificates per test JVM (making RSA keys is
 * the slow part), and configurations of a {@code tls} listener {@code front} that serves them.
 */
final class TlsTestBed {
  /** The certificates, made once on first use. */
  record Certificates(
      TestCertificates maker,
      Issued ca,
      Issued p384,
      Issued p256,
      Issued rsa,
      Issued clientInCa,
      Issued device) {}

  private static Certificates certificates;

  private TlsTestBed() {}

  static synchronized Certificates certificates() {
    if (certificates == null) {
      try {
        Path dir = Files.createTempDirectory("sluice-tls-certs");
        dir.toFile().deleteOnExit();
        TestCertificates maker = new TestCertificates(dir);
        Issued ca = maker.ca("Sluice Test CA");
        certificates =
            new Certificates(
                maker,
                ca,
                maker.issue(ca, "p384.test", KeyType.P384, "p384.test", "*.wild.test"),
                maker.issue(ca, "p256.test", KeyType.P256, "p256.test"),
                maker.issue(ca, "rsa.test", KeyType.RSA, "rsa.test"),
                maker.issue(ca, "client.test", KeyType.P256, "client.test"),
                maker.selfSigned("device-7", KeyType.P256));
        for (File file : dir.toFile().listFiles()) {
          file.deleteOnExit();
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return certificates;
  }

  /** A {@code tls} listener serving {@code served} (the first is the default), plus more keys. */
  static TestConfigs listener(String moreTlsKeys, Issued... served) {
    List<String> entries = new ArrayList<>();
    for (Issued issued : served) {
      entries.add("{cert: \"" + issued.cert() + "\", key: \"" + issued.key() + "\"}");
    }
    String extra = moreTlsKeys.isEmpty() ? "" : ", " + moreTlsKeys;
    return TestConfigs.tcp()
        .tls("{certificates: [" + String.join(", ", entries) + "]" + extra + "}");
  }

  static InetSocketAddress front(SluiceRuntime sluice) {
    return (InetSocketAddress) sluice.boundAddresses("front").get(0);
  }
}
