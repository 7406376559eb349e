package io.sluice.tls;

import io.netty.handler.ssl.OpenSslSessionTicketKey;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The session-ticket keys of one listener, for TLS 1.2 tickets and TLS 1.3 PSK resumption. The
 * first key encrypts new tickets; every key decrypts.
 *
 * <p>From a key file, in nginx's and HAProxy's format: one base64 key per line, 48 bytes (name, AES
 * key, HMAC key; 16 each, in both) or 80 bytes (a 16-byte name and two 32-byte secrets: HMAC then
 * AES in nginx's order, AES then HMAC in HAProxy's). BoringSSL through netty-tcnative seals tickets
 * with AES-128-CBC and HMAC-SHA256 under 16-byte keys ({@link OpenSslSessionTicketKey} takes
 * 16/16/16), so an 80-byte key cannot be used as it is. Rather than drop half of each secret, both
 * 16-byte keys are derived from all 64 secret bytes, HMAC-SHA256(secret, label) cut to 16 bytes,
 * with a label per key: every byte of the file counts, and a file written in either order works,
 * since only Sluice instances read it the same way. The name is used as it is, so the first 16
 * bytes still tell keys apart. Tickets are never interchangeable between different servers'
 * software anyway (each seals its own session format); what the file gives is a fleet of Sluice
 * instances resuming each other's sessions. The file is re-read when it changes.
 *
 * <p>Without a file: two random keys, the newest encrypting; every rotation adds a new one and
 * drops the oldest, so a ticket stays valid between one and two rotation periods.
 *
 * <p>In fleet mode the keys come from the fleet ({@link #share}): from then on local rotation
 * stops, and the fleet's newest key encrypts while its older ones decrypt.
 *
 * <p>Threads: the control thread loads and rotates; the fleet thread shares; {@link #current} is
 * read by whoever installs the keys, through a volatile reference to an immutable list. Rotation
 * and sharing are synchronized so a rotation never overwrites the fleet's keys.
 */
final class TicketKeys {
  private static final int NAME = OpenSslSessionTicketKey.NAME_SIZE;
  private static final int SHORT_KEY = 48;
  private static final int LONG_KEY = 80;
  private static final int DERIVED_KEY = 16;
  static final byte[] AES_LABEL = "sluice ticket aes key".getBytes(StandardCharsets.US_ASCII);
  static final byte[] HMAC_LABEL = "sluice ticket hmac key".getBytes(StandardCharsets.US_ASCII);

  private final Path file;
  private final SecureRandom random = new SecureRandom();
  private volatile List<OpenSslSessionTicketKey> current;
  private byte[] fileDigest;
  private boolean shared;

  private TicketKeys(Path file) {
    this.file = file;
  }

  /** Keys from {@code keyFile}, or generated ones when it is {@code null}. */
  static TicketKeys load(String keyFile) throws TlsSetupException {
    TicketKeys keys = new TicketKeys(keyFile == null ? null : Path.of(keyFile));
    if (keyFile == null) {
      keys.current = List.of(keys.generate(), keys.generate());
    } else {
      keys.reloadIfChanged();
    }
    return keys;
  }

  boolean fromFile() {
    return file != null;
  }

  List<OpenSslSessionTicketKey> current() {
    return current;
  }

  /**
   * Generated keys: a new one encrypts from now on, the previous still decrypts.
   *
   * @return whether the keys changed (not when a file or the fleet holds them)
   */
  synchronized boolean rotate() {
    if (file == null && !shared) {
      current = List.of(generate(), current.get(0));
      return true;
    }
    return false;
  }

  /**
   * Takes the fleet's keys, newest first, each 48 bytes (name, AES key, HMAC key): the newest
   * encrypts, all decrypt. Local rotation stops for good.
   *
   * @throws IllegalArgumentException when a key is not 48 bytes or there is none
   */
  synchronized void share(List<byte[]> keys) {
    if (keys.isEmpty()) {
      throw new IllegalArgumentException("no ticket key");
    }
    List<OpenSslSessionTicketKey> parsed = new ArrayList<>();
    for (byte[] raw : keys) {
      if (raw.length != SHORT_KEY) {
        throw new IllegalArgumentException("a shared ticket key is 48 bytes, got " + raw.length);
      }
      parsed.add(key(raw));
    }
    shared = true;
    current = List.copyOf(parsed);
  }

  /**
   * Re-reads the key file when its content changed.
   *
   * @return whether the keys changed
   */
  boolean reloadIfChanged() throws TlsSetupException {
    if (file == null) {
      return false;
    }
    byte[] content;
    try {
      content = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new TlsSetupException("cannot read the ticket key file '" + file + "': " + e, e);
    }
    byte[] digest = sha256(content);
    if (Arrays.equals(digest, fileDigest)) {
      return false;
    }
    current = parse(new String(content, StandardCharsets.US_ASCII), file.toString());
    fileDigest = digest;
    return true;
  }

  /** The keys of a key file's text; blank lines and {@code #} comments are skipped. */
  static List<OpenSslSessionTicketKey> parse(String text, String source) throws TlsSetupException {
    List<OpenSslSessionTicketKey> keys = new ArrayList<>();
    String[] lines = text.split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i].trim();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      byte[] raw;
      try {
        raw = Base64.getDecoder().decode(line);
      } catch (IllegalArgumentException e) {
        throw new TlsSetupException(source + ":" + (i + 1) + ": not base64: " + e.getMessage());
      }
      if (raw.length != SHORT_KEY && raw.length != LONG_KEY) {
        throw new TlsSetupException(
            source
                + ":"
                + (i + 1)
                + ": a ticket key is 48 or 80 bytes, this one is "
                + raw.length
                + " (make one with: openssl rand 80 | base64 -w0)");
      }
      keys.add(key(raw));
    }
    if (keys.isEmpty()) {
      throw new TlsSetupException(source + ": no ticket key in the file");
    }
    return List.copyOf(keys);
  }

  private static OpenSslSessionTicketKey key(byte[] raw) {
    byte[] name = Arrays.copyOfRange(raw, 0, NAME);
    byte[] aes;
    byte[] hmac;
    if (raw.length == SHORT_KEY) {
      aes = Arrays.copyOfRange(raw, 16, 32);
      hmac = Arrays.copyOfRange(raw, 32, 48);
    } else {
      byte[] secret = Arrays.copyOfRange(raw, NAME, LONG_KEY);
      aes = derive(secret, AES_LABEL);
      hmac = derive(secret, HMAC_LABEL);
      Arrays.fill(secret, (byte) 0);
    }
    return new OpenSslSessionTicketKey(name, hmac, aes);
  }

  /** The first 16 bytes of HMAC-SHA256 keyed with {@code secret} over {@code label}. */
  static byte[] derive(byte[] secret, byte[] label) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret, "HmacSHA256"));
      return Arrays.copyOf(mac.doFinal(label), DERIVED_KEY);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("every JDK has HmacSHA256", e);
    }
  }

  private OpenSslSessionTicketKey generate() {
    byte[] raw = new byte[SHORT_KEY];
    random.nextBytes(raw);
    return key(raw);
  }

  private static byte[] sha256(byte[] content) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(content);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
