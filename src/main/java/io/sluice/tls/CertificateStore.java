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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;

/**
 * A listener's certificates and the SNI table built from them: the ones its files name, the ones it
 * obtained itself (ACME, by name), and the self-signed fallback served until those arrive. A reload
 * re-reads every file, and when any changed, builds their contexts anew; an obtained certificate
 * replaces its predecessor alone. Either way the table is swapped in one write: a new connection
 * sees the old set or the new one, and open connections keep the context they started with.
 *
 * <p>Contexts are reference counted. A replaced one is retired, and released at the first reload
 * check a minute after: an event loop that read the old table just before the swap makes its engine
 * (which holds the context from then on) within the same task, or, for a handshake waiting for a
 * certificate ordered on demand, within its bounded wait, long before.
 *
 * <p>Threads: changed by the control thread (files, ticket keys) and the listener's certificate
 * threads (obtained certificates), never an event loop (it reads files and builds contexts); every
 * change holds this object's lock. Event loops read {@link #table} through the volatile field.
 */
final class CertificateStore {
  /** How long a retired context stays alive: past any handshake that may still pick it. */
  private static final long RETIRE_NANOS = java.util.concurrent.TimeUnit.MINUTES.toNanos(1);

  private record Retired(SslContext context, long atNanos) {}

  private final List<CertificateConfig> configs;
  private final ContextFactory factory;
  private volatile SniTable table;
  private List<LiveCertificate> fromFiles = List.of();
  private final Map<String, LiveCertificate> obtained = new LinkedHashMap<>();
  private LiveCertificate fallback;
  private final List<Retired> retired = new ArrayList<>();
  private List<OpenSslSessionTicketKey> ticketKeys;
  private byte[] digest;

  private CertificateStore(List<CertificateConfig> configs, ContextFactory factory) {
    this.configs = configs;
    this.factory = factory;
  }

  /**
   * @param fallback served by default when no file names a certificate; {@code null} without
   *     obtained certificates
   */
  static CertificateStore load(
      List<CertificateConfig> configs,
      ContextFactory factory,
      List<OpenSslSessionTicketKey> ticketKeys,
      ServerCertificate fallback)
      throws TlsSetupException {
    CertificateStore store = new CertificateStore(configs, factory);
    store.ticketKeys = ticketKeys;
    store.digest = store.digestOfFiles();
    if (fallback != null) {
      store.fallback = new LiveCertificate(factory.build(fallback, ticketKeys), fallback);
    }
    try {
      store.buildFromFiles();
    } catch (TlsSetupException | RuntimeException e) {
      store.close();
      throw e;
    }
    return store;
  }

  SniTable table() {
    return table;
  }

  /**
   * Rebuilds the certificates of the files when one changed.
   *
   * @return whether the table was replaced
   * @throws TlsSetupException when a changed file does not load; the old table stays in use
   */
  synchronized boolean reloadIfChanged(List<OpenSslSessionTicketKey> ticketKeys)
      throws TlsSetupException {
    releaseRetired(System.nanoTime());
    this.ticketKeys = ticketKeys;
    byte[] now = digestOfFiles();
    if (Arrays.equals(now, digest)) {
      return false;
    }
    // Remembered first: a half-written file is reported once, and retried when it changes again.
    digest = now;
    buildFromFiles();
    return true;
  }

  /**
   * Serves {@code certificate} for its names from now on, in place of the one obtained before under
   * {@code id}.
   *
   * @throws TlsSetupException when no context can be built from it; nothing changes then
   */
  synchronized LiveCertificate install(String id, ServerCertificate certificate)
      throws TlsSetupException {
    LiveCertificate live = new LiveCertificate(factory.build(certificate, ticketKeys), certificate);
    LiveCertificate before = obtained.put(id, live);
    publish();
    if (before != null) {
      retire(before.context());
    }
    return live;
  }

  /** The certificate obtained under {@code id}, or {@code null}. */
  synchronized LiveCertificate obtained(String id) {
    return obtained.get(id);
  }

  synchronized void installTicketKeys(List<OpenSslSessionTicketKey> keys) {
    this.ticketKeys = keys;
    for (LiveCertificate certificate : table.all()) {
      ContextFactory.installTicketKeys(certificate.context(), keys);
    }
  }

  /** Releases every context; the control thread calls it once the event loops have stopped. */
  synchronized void close() {
    releaseRetired(Long.MAX_VALUE);
    for (LiveCertificate certificate : fromFiles) {
      ReferenceCountUtil.release(certificate.context());
    }
    for (LiveCertificate certificate : obtained.values()) {
      ReferenceCountUtil.release(certificate.context());
    }
    if (fallback != null) {
      ReferenceCountUtil.release(fallback.context());
    }
    fromFiles = List.of();
    obtained.clear();
    fallback = null;
  }

  private void buildFromFiles() throws TlsSetupException {
    List<LiveCertificate> built = new ArrayList<>();
    try {
      for (CertificateConfig config : configs) {
        ServerCertificate certificate = read(config);
        built.add(new LiveCertificate(factory.build(certificate, ticketKeys), certificate));
      }
    } catch (TlsSetupException | RuntimeException e) {
      built.forEach(c -> ReferenceCountUtil.release(c.context()));
      throw e;
    }
    List<LiveCertificate> before = fromFiles;
    fromFiles = List.copyOf(built);
    publish();
    before.forEach(c -> retire(c.context()));
  }

  /** Files first (the first is the default), then obtained certificates, then the fallback. */
  private void publish() {
    List<LiveCertificate> all = new ArrayList<>(fromFiles);
    all.addAll(obtained.values());
    LiveCertificate byDefault = fromFiles.isEmpty() ? fallback : fromFiles.get(0);
    if (byDefault == null) {
      byDefault = all.get(0);
    }
    table = new SniTable(all, byDefault);
  }

  private void retire(SslContext context) {
    retired.add(new Retired(context, System.nanoTime()));
  }

  private void releaseRetired(long nowNanos) {
    retired.removeIf(
        r -> {
          if (nowNanos == Long.MAX_VALUE || nowNanos - r.atNanos() >= RETIRE_NANOS) {
            ReferenceCountUtil.release(r.context());
            return true;
          }
          return false;
        });
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
