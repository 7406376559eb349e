package io.sluice.testing;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Certificates and keys for TLS tests, made by the openssl command line (which CI installs) in a
 * directory the test owns: a CA, leaf certificates it signs for given DNS names, self-signed ones,
 * and the same keys encrypted or in their traditional PEM form.
 */
public final class TestCertificates {
  /** Our own minimal configuration, so the system's openssl.cnf adds no extensions. */
  private static final String CONFIG =
      """
      [req]
      distinguished_name = dn
      prompt = no
      [dn]
      CN = unused
      [leaf]
      basicConstraints = critical,CA:FALSE
      keyUsage = critical,digitalSignature,keyEncipherment
      extendedKeyUsage = serverAuth,clientAuth
      subjectAltName = $ENV::SAN
      [leaf_without_names]
      basicConstraints = critical,CA:FALSE
      keyUsage = critical,digitalSignature,keyEncipherment
      extendedKeyUsage = serverAuth,clientAuth
      [ca]
      basicConstraints = critical,CA:TRUE
      keyUsage = critical,keyCertSign,cRLSign
      subjectKeyIdentifier = hash
      """;

  /** The key types a listener serves. */
  public enum KeyType {
    P256("ec", "ec_paramgen_curve:P-256"),
    P384("ec", "ec_paramgen_curve:P-384"),
    RSA("rsa", "rsa_keygen_bits:2048");

    final String algorithm;
    final String option;

    KeyType(String algorithm, String option) {
      this.algorithm = algorithm;
      this.option = option;
    }
  }

  /** A certificate file and its key file. */
  public record Issued(Path cert, Path key) {}

  private final Path dir;
  private final Path config;
  private final String openssl;

  public TestCertificates(Path dir) throws IOException {
    this.openssl = Peers.require("openssl");
    this.dir = dir;
    this.config = dir.resolve("openssl.cnf");
    Files.writeString(config, CONFIG);
  }

  public Path dir() {
    return dir;
  }

  /** A self-signed CA with a P-256 key. */
  public Issued ca(String name) {
    Issued ca = files(name);
    run(List.of("req", "-x509", "-extensions", "ca", "-subj", "/CN=" + name), ca, KeyType.P256, "");
    return ca;
  }

  /** A leaf certificate for {@code dnsNames}, with the common name {@code name}, signed by ca. */
  public Issued issue(Issued ca, String name, KeyType type, String... dnsNames) {
    Issued leaf = files(name);
    List<String> args =
        new ArrayList<>(
            List.of(
                "req",
                "-x509",
                "-CA",
                ca.cert().toString(),
                "-CAkey",
                ca.key().toString(),
                "-extensions",
                dnsNames.length == 0 ? "leaf_without_names" : "leaf",
                "-subj",
                "/CN=" + name));
    run(args, leaf, type, san(dnsNames));
    return leaf;
  }

  /** A self-signed leaf certificate, as devices carry. */
  public Issued selfSigned(String name, KeyType type, String... dnsNames) {
    Issued leaf = files(name);
    run(
        List.of(
            "req",
            "-x509",
            "-extensions",
            dnsNames.length == 0 ? "leaf_without_names" : "leaf",
            "-subj",
            "/CN=" + name),
        leaf,
        type,
        san(dnsNames));
    return leaf;
  }

  /** {@code issued}'s key encrypted with a passphrase (PKCS#8, {@code ENCRYPTED PRIVATE KEY}). */
  public Path encryptedKey(Issued issued) {
    Path out = dir.resolve(issued.key().getFileName() + ".encrypted");
    exec(
        List.of(
            openssl,
            "pkey",
            "-in",
            issued.key().toString(),
            "-aes256",
            "-passout",
            "pass:secret",
            "-out",
            out.toString()),
        "");
    return out;
  }

  /**
   * {@code issued}'s key in the traditional form ({@code EC PRIVATE KEY}/{@code RSA PRIVATE KEY}).
   */
  public Path traditionalKey(Issued issued) {
    Path out = dir.resolve(issued.key().getFileName() + ".traditional");
    exec(
        List.of(
            openssl,
            "pkey",
            "-in",
            issued.key().toString(),
            "-traditional",
            "-out",
            out.toString()),
        "");
    return out;
  }

  private Issued files(String name) {
    String base = name.replaceAll("[^A-Za-z0-9.-]", "_");
    return new Issued(dir.resolve(base + ".pem"), dir.resolve(base + "-key.pem"));
  }

  private static String san(String... dnsNames) {
    List<String> entries = new ArrayList<>();
    for (String name : dnsNames) {
      entries.add("DNS:" + name);
    }
    return String.join(",", entries);
  }

  private void run(List<String> args, Issued out, KeyType type, String san) {
    List<String> command = new ArrayList<>();
    command.add(openssl);
    command.add(args.get(0));
    command.addAll(List.of("-config", config.toString()));
    command.addAll(args.subList(1, args.size()));
    command.addAll(
        List.of(
            "-newkey",
            type.algorithm,
            "-pkeyopt",
            type.option,
            "-nodes",
            "-days",
            "2",
            "-keyout",
            out.key().toString(),
            "-out",
            out.cert().toString()));
    exec(command, san);
  }

  private void exec(List<String> command, String san) {
    try {
      ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
      builder.environment().put("SAN", san.isEmpty() ? "DNS:unused.invalid" : san);
      Process process = builder.start();
      process.getOutputStream().close();
      byte[] output = process.getInputStream().readAllBytes();
      if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
        fail(String.join(" ", command) + " failed:\n" + new String(output, StandardCharsets.UTF_8));
      }
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
