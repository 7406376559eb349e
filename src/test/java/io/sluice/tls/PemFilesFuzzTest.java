package io.sluice.tls;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzzes the PEM reader with any bytes for a certificate or key file. Files are re-read every few
 * seconds and a rotation can leave one half-written, so whatever the bytes the reader returns a
 * result or a {@link TlsSetupException} naming the file: an unchecked exception would stop the
 * periodic check that reads them, and every later rotation with it.
 */
class PemFilesFuzzTest {
  private static Path file;
  private static List<PublicKey> publicKeys;

  @BeforeAll
  static void prepare() throws IOException, GeneralSecurityException {
    file = Files.createTempFile("sluice-fuzz", ".pem");
    KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
    ec.initialize(new ECGenParameterSpec("secp256r1"));
    KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
    rsa.initialize(1024);
    publicKeys = List.of(ec.generateKeyPair().getPublic(), rsa.generateKeyPair().getPublic());
  }

  @AfterAll
  static void deleteFile() throws IOException {
    Files.deleteIfExists(file);
  }

  @FuzzTest
  @Timeout(10)
  void readsAnyFileIntoAResultOrAnErrorNamingIt(byte[] bytes) {
    try {
      Files.write(file, bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    for (PublicKey publicKey : publicKeys) {
      try {
        PrivateKey key = PemFiles.privateKey(file, publicKey);
        assertThat(key.getAlgorithm()).isEqualTo(publicKey.getAlgorithm());
      } catch (TlsSetupException e) {
        assertThat(e.getMessage()).contains(file.toString());
      }
    }
    try {
      List<X509Certificate> chain = PemFiles.certificates(file);
      assertThat(chain).isNotEmpty();
    } catch (TlsSetupException e) {
      assertThat(e.getMessage()).contains(file.toString());
    }
  }
}
