package io.sluice.tls;

import io.netty.handler.ssl.OpenSslSessionTicketKey;
import io.netty.handler.ssl.SslContext;
import io.netty.util.ReferenceCountUtil;
import io.sluice.config.TlsConfig.CertificateConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;

/**
 * A listener's certificates and the SNI table built from them. A reload re-reads every file, and
 * when any changed, builds all contexts anew and swaps the table in one write: a new connection
 * sees either the old set or the new one, and open connections keep the context they started with.
 *
 * <p>Contexts are reference counted. A replaced one is retired, and released only at the next
 * reload check or at {@link #close}: an event loop that read the old table just before the swap
 * makes its engine (which holds the context from then on) within the same task, long before.
 *
 * <p>Threads: built, reloaded and closed by the control thread, never an event loop (it reads
 * files); event loops read {@link #table} through the volatile field. The other fields belong to
 * the control thread.
 */
final class CertificateStore {
  private final List<CertificateConfig> configs;
  private final ContextFactory factory;
  private volatile SniTable table;
  private List<SslContext> contexts = List.of();
  private List<SslContext> retired = List.of();
  private byte[] digest;

  private CertificateStore(List<CertificateConfig> configs, ContextFactory factory) {
    this.configs = configs;
    this.factory = factory;
  }

  static CertificateStore load(
      List<CertificateConfig> configs,
      ContextFactory factory,
      List<OpenSslSessionTicketKey> ticketKeys)
      throws TlsSetupException {
    CertificateStore store = new CertificateStore(configs, factory);
    store.digest = store.digestOfFiles();
    store.build(ticketKeys);
    return store;
  }

  SniTable table() {
    return table;
  }

  /**
   * Rebuilds everything when a certificate or key file changed.
   *
   * @return whether the table was replaced
   * @throws TlsSetupException when a changed file does not load; the old table stays in use
   */
  boolean reloadIfChanged(List<OpenSslSessionTicketKey> ticketKeys) throws TlsSetupException {
    releaseAll(retired);
    retired = List.of();
    byte[] now = digestOfFiles();
    if (Arrays.equals(now, digest)) {
      return false;
    }
    // Remembered first: a half-written file is reported once, and retried when it changes again.
    digest = now;
    build(ticketKeys);
    return true;
  }

  void installTicketKeys(List<OpenSslSessionTicketKey> keys) {
    for (SslContext context : contexts) {
      ContextFactory.installTicketKeys(context, keys);
    }
  }

  /** Releases every context; the control thread calls it once the event loops have stopped. */
  void close() {
    releaseAll(retired);
    releaseAll(contexts);
    retired = List.of();
    contexts = List.of();
  }

  private void build(List<OpenSslSessionTicketKey> ticketKeys) throws TlsSetupException {
    List<SslContext> built = new ArrayList<>();
    List<List<String>> names = new ArrayList<>();
    try {
      for (CertificateConfig config : configs) {
        ServerCertificate certificate = read(config);
        built.add(factory.build(certificate, ticketKeys));
        names.add(certificate.names());
      }
    } catch (TlsSetupException | RuntimeException e) {
      releaseAll(built);
      throw e;
    }
    retired = contexts;
    contexts = List.copyOf(built);
    table = new SniTable(contexts, names);
  }

  private static void releaseAll(List<SslContext> contexts) {
    contexts.forEach(ReferenceCountUtil::release);
  }

  private static ServerCertificate read(CertificateConfig config) throws TlsSetupException {
    List<X509Certificate> chain = PemFiles.certificates(Path.of(config.cert()));
    X509Certificate leaf = chain.get(0);
    var key = PemFiles.privateKey(Path.of(config.key()), leaf.getPublicKey());
    if (!PemFiles.matches(key, leaf.getPublicKey())) {
      throw new TlsSetupException(
          "the key in '"
              + config.key()
              + "' does not belong to the certificate in '"
              + config.cert()
              + "'");
    }
    List<String> names = new ArrayList<>();
    for (String name : config.names().isEmpty() ? namesOf(leaf) : config.names()) {
      names.add(SniTable.normalize(name));
    }
    return new ServerCertificate(chain, key, names);
  }

  /**
   * The DNS names of the certificate's subject alternative names; a certificate without any (old
   * ones) serves its subject's common name.
   */
  static List<String> namesOf(X509Certificate leaf) throws TlsSetupException {
    List<String> names = new ArrayList<>();
    try {
      Collection<List<?>> alternatives = leaf.getSubjectAlternativeNames();
      if (alternatives != null) {
        for (List<?> alternative : alternatives) {
          if (Integer.valueOf(2).equals(alternative.get(0))) {
            names.add((String) alternative.get(1));
          }
        }
      }
      if (names.isEmpty()) {
        for (Rdn rdn : new LdapName(leaf.getSubjectX500Principal().getName()).getRdns()) {
          if (rdn.getType().equalsIgnoreCase("CN")) {
            names.add(rdn.getValue().toString());
          }
        }
      }
    } catch (CertificateParsingException | InvalidNameException e) {
      throw new TlsSetupException(
          "cannot read the names of " + leaf.getSubjectX500Principal() + ": " + e.getMessage(), e);
    }
    return names;
  }

  private byte[] digestOfFiles() throws TlsSetupException {
    MessageDigest sha256;
    try {
      sha256 = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
    for (CertificateConfig config : configs) {
      for (String file : List.of(config.cert(), config.key())) {
        try {
          sha256.update(Files.readAllBytes(Path.of(file)));
        } catch (IOException e) {
          throw new TlsSetupException("cannot read '" + file + "': " + e, e);
        }
      }
    }
    return sha256.digest();
  }
}
