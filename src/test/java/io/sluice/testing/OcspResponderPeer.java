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
 * A test CA kept by {@code openssl ca} (a real index of issued and revoked certificates) and its
 * OCSP responder, {@code openssl ocsp -index}, on a loopback port. It issues a leaf whose authority
 * information access names the responder, writes the leaf with its issuer as the served chain, and
 * revokes it on request; the responder re-reads the index when it changes.
 */
public final class OcspResponderPeer implements AutoCloseable {
  private static final String CONFIG =
      """
      [ca]
      default_ca = test
      [test]
      dir = %s
      database = $dir/index.txt
      new_certs_dir = $dir/issued
      serial = $dir/serial
      default_md = sha256
      policy = anything
      unique_subject = no
      copy_extensions = none
      default_days = 2
      [anything]
      commonName = supplied
      [req]
      distinguished_name = dn
      prompt = no
      [dn]
      CN = unused
      [root]
      basicConstraints = critical,CA:TRUE
      keyUsage = critical,keyCertSign,cRLSign,digitalSignature
      subjectKeyIdentifier = hash
      [leaf]
      basicConstraints = critical,CA:FALSE
      keyUsage = critical,digitalSignature
      extendedKeyUsage = serverAuth
      subjectAltName = DNS:%s
      authorityInfoAccess = OCSP;URI:http://127.0.0.1:%d
      """;

  private final PeerProcess process;
  private final String openssl;
  private final Path dir;
  private final Path config;
  private final int port;

  /** The served chain (leaf, then the CA), the leaf's key, and the CA certificate. */
  public record Issued(Path chain, Path key, Path ca) {}

  private OcspResponderPeer(PeerProcess process, String openssl, int port, String name)
      throws IOException {
    this.process = process;
    this.openssl = openssl;
    this.dir = process.dir();
    this.port = port;
    this.config = dir.resolve("ca.cnf");
    Files.writeString(config, String.format(CONFIG, dir, name, port));
    Files.createDirectories(dir.resolve("issued"));
    Files.writeString(dir.resolve("index.txt"), "");
    Files.writeString(dir.resolve("serial"), "1000\n");
  }

  /** A CA whose leaf is for {@code name}; the responder does not run yet. */
  public static OcspResponderPeer prepare(String name) throws IOException {
    String openssl = Peers.require("openssl");
    return new OcspResponderPeer(PeerProcess.prepare("ocsp"), openssl, Sockets.freePort(), name);
  }

  /** Makes the CA and issues the leaf. */
  public Issued issue(String name) {
    exec(
        "req",
        "-config",
        config.toString(),
        "-x509",
        "-extensions",
        "root",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=OCSP Test CA",
        "-keyout",
        dir.resolve("ca-key.pem").toString(),
        "-out",
        dir.resolve("ca.pem").toString());
    exec(
        "req",
        "-config",
        config.toString(),
        "-new",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-subj",
        "/CN=" + name,
        "-keyout",
        dir.resolve("leaf-key.pem").toString(),
        "-out",
        dir.resolve("leaf.csr").toString());
    exec(
        "ca",
        "-batch",
        "-config",
        config.toString(),
        "-extensions",
        "leaf",
        "-notext",
        "-cert",
        dir.resolve("ca.pem").toString(),
        "-keyfile",
        dir.resolve("ca-key.pem").toString(),
        "-in",
        dir.resolve("leaf.csr").toString(),
        "-out",
        dir.resolve("leaf.pem").toString());
    try {
      Files.writeString(
          dir.resolve("chain.pem"),
          Files.readString(dir.resolve("leaf.pem")) + Files.readString(dir.resolve("ca.pem")));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return new Issued(dir.resolve("chain.pem"), dir.resolve("leaf-key.pem"), dir.resolve("ca.pem"));
  }

  /** Runs the responder, signing with the CA's key; responses say "next update in a minute". */
  public void start() throws IOException {
    process.start(
        List.of(
            openssl,
            "ocsp",
            "-index",
            dir.resolve("index.txt").toString(),
            "-port",
            Integer.toString(port),
            "-rsigner",
            dir.resolve("ca.pem").toString(),
            "-rkey",
            dir.resolve("ca-key.pem").toString(),
            "-CA",
            dir.resolve("ca.pem").toString(),
            "-nmin",
            "1",
            "-ignore_err"),
        port);
  }

  /** Stops the responder; its CA and files stay. */
  public void stop() {
    process.stop();
  }

  /** Marks the leaf revoked in the CA's index. */
  public void revokeLeaf() {
    exec(
        "ca",
        "-config",
        config.toString(),
        "-cert",
        dir.resolve("ca.pem").toString(),
        "-keyfile",
        dir.resolve("ca-key.pem").toString(),
        "-revoke",
        dir.resolve("leaf.pem").toString());
  }

  public int port() {
    return port;
  }

  public String output() throws IOException {
    return process.output();
  }

  private void exec(String... args) {
    List<String> command = new ArrayList<>();
    command.add(openssl);
    command.addAll(List.of(args));
    try {
      Process run = new ProcessBuilder(command).redirectErrorStream(true).start();
      run.getOutputStream().close();
      byte[] output = run.getInputStream().readAllBytes();
      if (!run.waitFor(30, TimeUnit.SECONDS) || run.exitValue() != 0) {
        fail(String.join(" ", command) + " failed:\n" + new String(output, StandardCharsets.UTF_8));
      }
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() throws IOException {
    process.close();
  }
}
