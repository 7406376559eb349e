package io.sluice.tls;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The ACME account key and the certificates obtained, on disk, so a restart reuses them: {@code
 * account-key.pem}, and per certificate a directory named after its first name holding {@code
 * cert.pem} (leaf first, then the chain) and {@code key.pem}. The directory is made 0700 and every
 * file 0600, written to a temporary file first and moved into place, so a crash never leaves half a
 * key.
 *
 * <p>Threads: the listener's certificate threads; each name is written by one order at a time.
 */
final class AcmeStorage {
  private static final Pattern BLOCK =
      Pattern.compile("-----BEGIN ([A-Z ]+)-----(.*?)-----END \\1-----", Pattern.DOTALL);
  private static final String ACCOUNT_KEY = "account-key.pem";

  private final Path dir;

  AcmeStorage(Path dir) {
    this.dir = dir;
  }

  /** The account's key pair, made and saved on first use. */
  synchronized KeyPair accountKey() throws IOException {
    Path file = dir.resolve(ACCOUNT_KEY);
    if (Files.exists(file)) {
      return readKeyPair(file);
    }
    KeyPair key = newKeyPair();
    writePrivately(
        file,
        pem("PRIVATE KEY", key.getPrivate().getEncoded())
            + pem("PUBLIC KEY", key.getPublic().getEncoded()));
    return key;
  }

  /**
   * The certificate stored under {@code id}, or {@code null} when there is none or it is
   * unreadable.
   */
  ServerCertificate load(String id, List<String> names) throws TlsSetupException {
    Path cert = certificateDir(id).resolve("cert.pem");
    Path key = certificateDir(id).resolve("key.pem");
    if (!Files.exists(cert) || !Files.exists(key)) {
      return null;
    }
    List<X509Certificate> chain = PemFiles.certificates(cert);
    PrivateKey privateKey = PemFiles.privateKey(key, chain.get(0).getPublicKey());
    if (!PemFiles.matches(privateKey, chain.get(0).getPublicKey())) {
      throw new TlsSetupException("the key in '" + key + "' does not belong to '" + cert + "'");
    }
    return new ServerCertificate(chain, privateKey, names);
  }

  /** Saves {@code certificate} under {@code id}: the key first, so a stored chain always has it. */
  void store(String id, ServerCertificate certificate) throws IOException {
    Path certificateDir = certificateDir(id);
    makePrivateDir(certificateDir);
    writePrivately(
        certificateDir.resolve("key.pem"), pem("PRIVATE KEY", certificate.key().getEncoded()));
    StringBuilder chain = new StringBuilder();
    try {
      for (X509Certificate x509 : certificate.chain()) {
        chain.append(pem("CERTIFICATE", x509.getEncoded()));
      }
    } catch (CertificateEncodingException e) {
      throw new IOException("cannot encode the certificate: " + e.getMessage(), e);
    }
    writePrivately(certificateDir.resolve("cert.pem"), chain.toString());
  }

  static KeyPair newKeyPair() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"));
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("every JDK makes P-256 keys", e);
    }
  }

  private Path certificateDir(String id) {
    // Names are validated host names (letters, digits, dots, hyphens): safe as file names.
    return dir.resolve(id);
  }

  private void writePrivately(Path file, String text) throws IOException {
    makePrivateDir(file.getParent());
    Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
    Files.deleteIfExists(temporary);
    Files.createFile(
        temporary,
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(temporary, text, StandardCharsets.US_ASCII);
    try {
      Files.move(
          temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  private void makePrivateDir(Path directory) throws IOException {
    if (Files.isDirectory(directory)) {
      return;
    }
    if (directory.getParent() != null && !directory.equals(dir)) {
      makePrivateDir(directory.getParent());
    } else if (directory.getParent() != null) {
      Files.createDirectories(directory.getParent());
    }
    try {
      Files.createDirectory(
          directory,
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    } catch (FileAlreadyExistsException raced) {
      // another listener sharing the storage made it first
    }
  }

  private static KeyPair readKeyPair(Path file) throws IOException {
    String text = Files.readString(file, StandardCharsets.US_ASCII);
    Matcher block = BLOCK.matcher(text);
    byte[] privateDer = null;
    byte[] publicDer = null;
    while (block.find()) {
      byte[] der = Base64.getMimeDecoder().decode(block.group(2).trim());
      if (block.group(1).equals("PRIVATE KEY")) {
        privateDer = der;
      } else if (block.group(1).equals("PUBLIC KEY")) {
        publicDer = der;
      }
    }
    if (privateDer == null || publicDer == null) {
      throw new IOException("'" + file + "' holds no PRIVATE KEY and PUBLIC KEY pair");
    }
    try {
      KeyFactory factory = KeyFactory.getInstance("EC");
      PublicKey publicKey = factory.generatePublic(new X509EncodedKeySpec(publicDer));
      PrivateKey privateKey = factory.generatePrivate(new PKCS8EncodedKeySpec(privateDer));
      return new KeyPair(publicKey, privateKey);
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot read the account key in '" + file + "': " + e.getMessage(), e);
    }
  }

  private static String pem(String label, byte[] der) {
    return "-----BEGIN "
        + label
        + "-----\n"
        + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
        + "\n-----END "
        + label
        + "-----\n";
  }
}
