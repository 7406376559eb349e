package io.sluice.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.sluice.testing.TestCertificates;
import io.sluice.testing.TestCertificates.Issued;
import io.sluice.testing.TestCertificates.KeyType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.slf4j.LoggerFactory;

/** Certificates and keys as operators hand them over, in every PEM form Sluice accepts. */
class PemFilesTest {
  @TempDir Path dir;

  @ParameterizedTest(name = "{0}")
  @EnumSource(KeyType.class)
  void readsPkcs8AndTraditionalKeysThatMatchTheirCertificate(KeyType type) throws Exception {
    TestCertificates maker = new TestCertificates(dir);
    Issued issued = maker.selfSigned("key-forms", type, "forms.test");
    X509Certificate leaf = PemFiles.certificates(issued.cert()).get(0);

    PrivateKey pkcs8 = PemFiles.privateKey(issued.key(), leaf.getPublicKey());
    Path traditionalFile = maker.traditionalKey(issued);
    PrivateKey traditional = PemFiles.privateKey(traditionalFile, leaf.getPublicKey());

    assertThat(Files.readString(traditionalFile))
        .contains(type == KeyType.RSA ? "BEGIN RSA PRIVATE KEY" : "BEGIN EC PRIVATE KEY");
    assertThat(PemFiles.matches(pkcs8, leaf.getPublicKey())).isTrue();
    assertThat(PemFiles.matches(traditional, leaf.getPublicKey())).isTrue();
    assertThat(CertificateStore.namesOf(leaf)).containsExactly("forms.test");
  }

  @Test
  void refusesAnEncryptedKeyNamingTheFile() throws Exception {
    TestCertificates maker = new TestCertificates(dir);
    Issued issued = maker.selfSigned("locked", KeyType.P384, "locked.test");
    Path encrypted = maker.encryptedKey(issued);
    X509Certificate leaf = PemFiles.certificates(issued.cert()).get(0);

    assertThatThrownBy(() -> PemFiles.privateKey(encrypted, leaf.getPublicKey()))
        .isInstanceOf(TlsSetupException.class)
        .hasMessageStartingWith(
            "the key in '" + encrypted + "' is encrypted; Sluice needs it unencrypted");
  }

  @Test
  void refusesFilesWithoutACertificateOrAKey() throws Exception {
    Path empty = Files.writeString(dir.resolve("empty.pem"), "nothing here\n");
    TestCertificates maker = new TestCertificates(dir);
    X509Certificate leaf =
        PemFiles.certificates(maker.selfSigned("any", KeyType.P256, "any.test").cert()).get(0);

    assertThatThrownBy(() -> PemFiles.certificates(empty))
        .isInstanceOf(TlsSetupException.class)
        .hasMessageStartingWith("cannot read the certificates in '" + empty + "'");
    assertThatThrownBy(() -> PemFiles.privateKey(empty, leaf.getPublicKey()))
        .isInstanceOf(TlsSetupException.class)
        .hasMessageStartingWith("no private key in '" + empty + "'");
  }

  @Test
  void namesACertificateWithoutAlternativeNamesByItsCommonName() throws Exception {
    TestCertificates maker = new TestCertificates(dir);
    X509Certificate leaf =
        PemFiles.certificates(maker.selfSigned("legacy.test", KeyType.P256).cert()).get(0);

    assertThat(CertificateStore.namesOf(leaf)).containsExactly("legacy.test");
  }

  @Test
  void warnsWhenOthersThanTheOwnerCanReadAKeyAndNotOnceItIsPrivate() throws Exception {
    TestCertificates maker = new TestCertificates(dir);
    Issued issued = maker.selfSigned("loose", KeyType.P256, "loose.test");
    X509Certificate leaf = PemFiles.certificates(issued.cert()).get(0);
    ListAppender<ILoggingEvent> logged = new ListAppender<>();
    logged.start();
    Logger logger = (Logger) LoggerFactory.getLogger(PemFiles.class);
    logger.addAppender(logged);
    try {
      Files.setPosixFilePermissions(issued.key(), PosixFilePermissions.fromString("rw-r--r--"));
      PemFiles.privateKey(issued.key(), leaf.getPublicKey());
      Files.setPosixFilePermissions(issued.key(), PosixFilePermissions.fromString("rw-------"));
      PemFiles.privateKey(issued.key(), leaf.getPublicKey());
    } finally {
      logger.detachAppender(logged);
    }

    assertThat(logged.list)
        .extracting(ILoggingEvent::getFormattedMessage)
        .containsExactly(
            "the private key '"
                + issued.key()
                + "' can be read by others than its owner (rw-r--r--); chmod 600 it");
    assertThat(logged.list.get(0).getLevel()).isEqualTo(Level.WARN);
  }

  @Test
  void aServerCertificatesTextNeverHoldsItsKey() throws Exception {
    TestCertificates maker = new TestCertificates(dir);
    Issued issued = maker.selfSigned("shown", KeyType.RSA, "shown.test");
    X509Certificate leaf = PemFiles.certificates(issued.cert()).get(0);
    PrivateKey key = PemFiles.privateKey(issued.key(), leaf.getPublicKey());

    String text = new ServerCertificate(List.of(leaf), key, List.of("shown.test")).toString();

    assertThat(text).contains("CN=shown").contains("RSA (not shown)").contains("shown.test");
    assertThat(text)
        .doesNotContain(
            ((java.security.interfaces.RSAPrivateKey) key).getPrivateExponent().toString())
        .doesNotContain(key.toString());
  }
}
