package io.sluice.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.AfterTestExecutionCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Syncthing's discovery server {@code stdiscosrv} as a peer: {@code @RegisterExtension final
 * DiscosrvPeer discosrv = new DiscosrvPeer();}. {@link #start} runs it with {@code -http} (plain
 * HTTP behind a TLS-terminating proxy, which tells it the client's certificate in a header and the
 * client's address in {@code X-Forwarded-For}) on a free loopback port, its database, key and
 * certificate in a temp directory, replication off. After each test it is stopped and its directory
 * removed; when the test failed, its output ({@code -debug}: one line per request) is printed
 * first.
 *
 * <p>Devices are known by their ID, derived from their certificate by {@link #deviceId}. Threads:
 * the test thread only.
 */
public final class DiscosrvPeer
    implements AfterTestExecutionCallback, AfterEachCallback, AutoCloseable {
  private static final Pattern OWN_ID = Pattern.compile("Server device ID is ([A-Z2-7-]+)");
  private static final String BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

  private PeerProcess peer;
  private int port;

  /** Starts stdiscosrv; it makes its own key and certificate, in milliseconds. */
  public void start() throws IOException {
    if (peer != null) {
      throw new IllegalStateException("this DiscosrvPeer already runs; register another");
    }
    String binary = Peers.require("stdiscosrv");
    peer = PeerProcess.prepare("stdiscosrv");
    Path dir = peer.dir();
    port = Sockets.freePort();
    peer.start(
        List.of(
            binary,
            "-http",
            "-debug",
            "-listen",
            "127.0.0.1:" + port,
            "-db-dir",
            dir.resolve("db").toString(),
            "-cert",
            certificate().toString(),
            "-key",
            dir.resolve("key.pem").toString(),
            "-replication-listen",
            ""),
        port);
  }

  public String address() {
    return "127.0.0.1:" + port;
  }

  /** The server's own certificate, which it made at its first start. */
  public Path certificate() {
    return peer.dir().resolve("cert.pem");
  }

  /** The device ID the server printed for its own certificate. */
  public String ownDeviceId() throws IOException {
    Matcher id = OWN_ID.matcher(peer.output());
    return id.find() ? id.group(1) : "";
  }

  public String output() throws IOException {
    return peer == null ? "" : peer.output();
  }

  /**
   * Syncthing's device ID of the certificate in {@code pem}: the SHA-256 of its DER in base32 (52
   * characters), a Luhn mod-32 check character after each quarter, in eight groups of seven.
   */
  public static String deviceId(Path pem) throws IOException {
    return deviceId(der(pem));
  }

  /** As {@link #deviceId(Path)}, from the certificate's DER. */
  public static String deviceId(byte[] der) {
    String base32 = base32(sha256(der));
    StringBuilder checked = new StringBuilder(56);
    for (int quarter = 0; quarter < 4; quarter++) {
      String part = base32.substring(quarter * 13, (quarter + 1) * 13);
      checked.append(part).append(luhn32(part));
    }
    StringBuilder grouped = new StringBuilder(63);
    for (int group = 0; group < 8; group++) {
      if (group > 0) {
        grouped.append('-');
      }
      grouped.append(checked, group * 7, (group + 1) * 7);
    }
    return grouped.toString();
  }

  /** The DER of the first certificate in a PEM file. */
  public static byte[] der(Path pem) throws IOException {
    try (InputStream in = Files.newInputStream(pem)) {
      return CertificateFactory.getInstance("X.509").generateCertificate(in).getEncoded();
    } catch (CertificateException e) {
      throw new IOException("not a certificate: " + pem, e);
    }
  }

  /** RFC 4648 base32 without padding. */
  private static String base32(byte[] bytes) {
    StringBuilder out = new StringBuilder((bytes.length * 8 + 4) / 5);
    int buffer = 0;
    int bits = 0;
    for (byte b : bytes) {
      buffer = (buffer << 8) | (b & 0xFF);
      bits += 8;
      while (bits >= 5) {
        out.append(BASE32.charAt((buffer >> (bits - 5)) & 31));
        bits -= 5;
      }
    }
    if (bits > 0) {
      out.append(BASE32.charAt((buffer << (5 - bits)) & 31));
    }
    return out.toString();
  }

  /**
   * Syncthing's check character: Luhn over base 32, the factor alternating 1, 2 from the first
   * character, each product folded as {@code p / 32 + p % 32}.
   */
  private static char luhn32(String part) {
    int factor = 1;
    int sum = 0;
    for (int i = 0; i < part.length(); i++) {
      int product = factor * BASE32.indexOf(part.charAt(i));
      factor = factor == 2 ? 1 : 2;
      sum += product / 32 + product % 32;
    }
    return BASE32.charAt((32 - sum % 32) % 32);
  }

  private static byte[] sha256(byte[] bytes) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(bytes);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void afterTestExecution(ExtensionContext context) throws IOException {
    if (context.getExecutionException().isPresent() && peer != null) {
      System.out.println("---- stdiscosrv output\n" + peer.output() + "----");
    }
  }

  @Override
  public void afterEach(ExtensionContext context) throws IOException {
    close();
  }

  @Override
  public void close() throws IOException {
    if (peer != null) {
      peer.close();
      peer = null;
    }
  }
}
