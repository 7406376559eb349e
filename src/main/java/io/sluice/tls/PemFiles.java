package io.sluice.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECPrivateKeySpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.RSAPrivateCrtKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads PEM certificates and unencrypted private keys: PKCS#8 ({@code BEGIN PRIVATE KEY}, what
 * {@code openssl genpkey} and {@code req -newkey} write) and the traditional forms ({@code BEGIN EC
 * PRIVATE KEY}, {@code BEGIN RSA PRIVATE KEY}) that older tooling and many CAs still hand out. An
 * encrypted key is refused with a message naming the file: Sluice starts unattended, so there is
 * nobody to type a passphrase.
 */
final class PemFiles {
  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(PemFiles.class);
  private static final Pattern BLOCK =
      Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \\1-----", Pattern.DOTALL);

  private PemFiles() {}

  /** Every certificate in {@code file}, in file order. */
  static List<X509Certificate> certificates(Path file) throws TlsSetupException {
    byte[] bytes = read(file);
    List<X509Certificate> chain = new ArrayList<>();
    try {
      for (Certificate certificate :
          CertificateFactory.getInstance("X.509")
              .generateCertificates(new ByteArrayInputStream(bytes))) {
        chain.add((X509Certificate) certificate);
      }
    } catch (CertificateException | RuntimeException e) {
      // The JDK's parser throws unchecked exceptions for some malformed encodings too: a file
      // caught half-written by a reload is an error to report, never one to die of.
      throw new TlsSetupException(
          "cannot read the certificates in '" + file + "': " + e.getMessage(), e);
    }
    if (chain.isEmpty()) {
      throw new TlsSetupException("no certificate in '" + file + "'");
    }
    return chain;
  }

  /**
   * The private key in {@code file}; {@code publicKey} (the certificate's) gives its algorithm and,
   * for a traditional EC key without parameters, its curve.
   */
  static PrivateKey privateKey(Path file, PublicKey publicKey) throws TlsSetupException {
    warnIfOthersCanRead(file);
    String text = new String(read(file), StandardCharsets.US_ASCII);
    Matcher block = BLOCK.matcher(text);
    while (block.find()) {
      String label = block.group(1);
      String body = block.group(2);
      boolean traditional = label.equals("EC PRIVATE KEY") || label.equals("RSA PRIVATE KEY");
      if (label.equals("ENCRYPTED PRIVATE KEY") || (traditional && body.contains("ENCRYPTED"))) {
        throw new TlsSetupException(
            "the key in '"
                + file
                + "' is encrypted; Sluice needs it unencrypted (openssl pkey -in "
                + file
                + " -out <plain.pem>), readable by Sluice's user only");
      }
      try {
        switch (label) {
          case "PRIVATE KEY":
            return KeyFactory.getInstance(publicKey.getAlgorithm())
                .generatePrivate(new PKCS8EncodedKeySpec(decode(body)));
          case "EC PRIVATE KEY":
            return sec1(decode(body), publicKey);
          case "RSA PRIVATE KEY":
            return pkcs1(decode(body));
          default:
            // EC PARAMETERS and the like come before the key in some files.
        }
      } catch (GeneralSecurityException | RuntimeException e) {
        throw new TlsSetupException(
            "cannot read the "
                + publicKey.getAlgorithm()
                + " private key in '"
                + file
                + "': "
                + e.getMessage(),
            e);
      }
    }
    throw new TlsSetupException(
        "no private key in '"
            + file
            + "' (expected a PEM block BEGIN PRIVATE KEY, EC PRIVATE KEY or RSA PRIVATE KEY)");
  }

  /**
   * Warns when the key file's group or anyone else may read it (or write it): whoever can read the
   * key can impersonate every name the certificate carries. A warning rather than a refusal, since
   * the key may be shared with a group on purpose (a deploy user, a HSM agent); loaded at start and
   * when the file changes, so once per change.
   */
  static void warnIfOthersCanRead(Path file) {
    String mode = looseMode(file);
    if (mode != null) {
      log.warn(
          "the private key '{}' can be read by others than its owner ({}); chmod 600 it",
          file,
          mode);
    }
  }

  /** The file's mode as {@code ls -l} writes it when group or others have any right, else null. */
  static String looseMode(Path file) {
    java.util.Set<java.nio.file.attribute.PosixFilePermission> permissions;
    try {
      permissions = Files.getPosixFilePermissions(file);
    } catch (IOException | UnsupportedOperationException e) {
      // Unreadable: the read below says so. Not POSIX: nothing to tell.
      return null;
    }
    boolean loose =
        permissions.stream()
            .anyMatch(
                permission ->
                    permission.name().startsWith("GROUP")
                        || permission.name().startsWith("OTHERS"));
    return loose ? java.nio.file.attribute.PosixFilePermissions.toString(permissions) : null;
  }

  /** Whether {@code key} is the private half of {@code publicKey}: signs and verifies once. */
  static boolean matches(PrivateKey key, PublicKey publicKey) {
    String algorithm = key.getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";
    byte[] probe = "sluice key check".getBytes(StandardCharsets.US_ASCII);
    try {
      Signature signer = Signature.getInstance(algorithm);
      signer.initSign(key);
      signer.update(probe);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(publicKey);
      verifier.update(probe);
      return verifier.verify(signature);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  private static byte[] read(Path file) throws TlsSetupException {
    try {
      return Files.readAllBytes(file);
    } catch (IOException e) {
      throw new TlsSetupException("cannot read '" + file + "': " + e, e);
    }
  }

  /** The base64 body of a PEM block, without RFC 1421 header lines. */
  private static byte[] decode(String body) {
    StringBuilder base64 = new StringBuilder(body.length());
    for (String line : body.split("\n")) {
      if (!line.contains(":")) {
        base64.append(line.trim());
      }
    }
    return Base64.getMimeDecoder().decode(base64.toString());
  }

  /**
   * SEC 1 {@code ECPrivateKey ::= SEQUENCE { version, privateKey OCTET STRING, ... }}: the scalar,
   * on the certificate's curve.
   */
  private static PrivateKey sec1(byte[] der, PublicKey publicKey) throws GeneralSecurityException {
    if (!(publicKey instanceof ECPublicKey ec)) {
      throw new GeneralSecurityException("an EC key for a non-EC certificate");
    }
    Der sequence = new Der(der).sequence();
    sequence.integer();
    BigInteger scalar = new BigInteger(1, sequence.octetString());
    return KeyFactory.getInstance("EC")
        .generatePrivate(new ECPrivateKeySpec(scalar, ec.getParams()));
  }

  /** PKCS #1 {@code RSAPrivateKey ::= SEQUENCE { version, n, e, d, p, q, dp, dq, qinv }}. */
  private static PrivateKey pkcs1(byte[] der) throws GeneralSecurityException {
    Der sequence = new Der(der).sequence();
    sequence.integer();
    return KeyFactory.getInstance("RSA")
        .generatePrivate(
            new RSAPrivateCrtKeySpec(
                sequence.integer(),
                sequence.integer(),
                sequence.integer(),
                sequence.integer(),
                sequence.integer(),
                sequence.integer(),
                sequence.integer(),
                sequence.integer()));
  }

  /** Just enough DER to walk the two key structures above. */
  private static final class Der {
    private final byte[] bytes;
    private int position;
    private final int end;

    Der(byte[] bytes) {
      this(bytes, 0, bytes.length);
    }

    private Der(byte[] bytes, int start, int end) {
      this.bytes = bytes;
      this.position = start;
      this.end = end;
    }

    Der sequence() throws GeneralSecurityException {
      int length = header(0x30);
      Der inner = new Der(bytes, position, position + length);
      position += length;
      return inner;
    }

    BigInteger integer() throws GeneralSecurityException {
      int length = header(0x02);
      BigInteger value = new BigInteger(slice(length));
      position += length;
      return value;
    }

    byte[] octetString() throws GeneralSecurityException {
      int length = header(0x04);
      byte[] value = slice(length);
      position += length;
      return value;
    }

    private byte[] slice(int length) {
      byte[] value = new byte[length];
      System.arraycopy(bytes, position, value, 0, length);
      return value;
    }

    /** Reads a tag and its length; returns the length, with {@code position} at the content. */
    private int header(int tag) throws GeneralSecurityException {
      if (position + 2 > end || (bytes[position] & 0xff) != tag) {
        throw new GeneralSecurityException("malformed DER: expected tag " + tag);
      }
      position++;
      int length = bytes[position++] & 0xff;
      if (length >= 0x80) {
        int octets = length & 0x7f;
        if (octets == 0 || octets > 3) {
          throw new GeneralSecurityException("malformed DER: length too long");
        }
        if (position + octets > end) {
          throw new GeneralSecurityException("malformed DER: length past the end");
        }
        length = 0;
        for (int i = 0; i < octets; i++) {
          length = (length << 8) | (bytes[position++] & 0xff);
        }
      }
      if (length < 0 || position + length > end) {
        throw new GeneralSecurityException("malformed DER: length past the end");
      }
      return length;
    }
  }
}
