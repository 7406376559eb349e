package io.sluice.tls;

import io.netty.channel.ChannelHandler;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import io.sluice.config.TlsConfig;
import java.nio.channels.ClosedChannelException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import javax.net.ssl.SSLEngine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * TLS termination for one listener: its certificates chosen by SNI, client-certificate policy,
 * ticket keys, signer and handshake figures. The proxy asks it for a handler per connection; the
 * runtime's control thread asks it to pick up changed files and rotate keys.
 *
 * <p>Threads: built, reloaded, rotated and closed by the control thread; in fleet mode the fleet
 * thread installs shared ticket keys. Reloading, rotating and sharing hold this object's lock, so
 * contexts rebuilt from changed certificate files never miss keys shared meanwhile. {@link
 * #newHandshakeHandler} and the static helpers are called on event loops and read only immutable or
 * volatile state.
 */
public final class TlsTerminator implements AutoCloseable, CertificateSelection {
  private static final Logger log = LoggerFactory.getLogger(TlsTerminator.class);

  private final String listener;
  private final TlsConfig config;
  private final SigningQueue queue;
  private final TlsStats stats;
  private final TicketKeys tickets;
  private final CertificateStore certificates;
  private final Executor handshakeTasks;
  private final AcmeChallenges challenges;
  private final CertificateStats certificateStats = new CertificateStats();
  private final ScheduledExecutorService certificateThreads;
  private final OcspStapling stapling;
  private AcmeCertificates acme;

  private TlsTerminator(
      String listener,
      TlsConfig config,
      SigningQueue queue,
      TlsStats stats,
      TicketKeys tickets,
      CertificateStore certificates,
      SigningPool pool,
      AcmeChallenges challenges,
      boolean stapling) {
    this.listener = listener;
    // The JDK's engine computes its handshake (key exchange, signature) in delegated tasks, which
    // Netty runs on the event loop unless given an executor: a storm of full handshakes would stall
    // every connection on the loop. Their number is bounded by the handshakes in flight, so by the
    // listener's max_connections.
    this.handshakeTasks = config.provider() == TlsConfig.TlsProvider.JDK ? pool::execute : null;
    this.config = config;
    this.queue = queue;
    this.stats = stats;
    this.tickets = tickets;
    this.certificates = certificates;
    this.challenges = challenges;
    this.certificateThreads =
        stapling || config.acme() != null ? CertificateThreads.start(listener) : null;
    this.stapling =
        stapling ? new OcspStapling(listener, certificateThreads, certificateStats) : null;
  }

  /**
   * Loads the certificates and keys of {@code config} and builds its contexts.
   *
   * @param pool where asynchronous signers compute; unused when the TLS engine signs itself
   * @throws TlsSetupException naming the file or setting at fault
   */
  public static TlsTerminator start(String listener, TlsConfig config, SigningPool pool)
      throws TlsSetupException {
    return start(listener, config, pool, java.util.List.of(), new AcmeChallenges());
  }

  /**
   * As {@link #start(String, TlsConfig, SigningPool)}, offering {@code alpn}'s protocols (most
   * preferred first) in ALPN; a client that offers none of them is served without ALPN. Its ACME
   * orders answer their challenges through {@code challenges}; they run in the background, the
   * self-signed fallback served meanwhile.
   */
  public static TlsTerminator start(
      String listener,
      TlsConfig config,
      SigningPool pool,
      java.util.List<String> alpn,
      AcmeChallenges challenges)
      throws TlsSetupException {
    if (config.provider() == TlsConfig.TlsProvider.BORINGSSL) {
      ContextFactory.requireBoringSsl();
    }
    SignerSelection signer = SignerSelection.choose(config);
    SigningQueue queue = new SigningQueue(config.signingQueue());
    TlsStats stats = new TlsStats(signer.name(), signer.async());
    ContextFactory factory = new ContextFactory(config, signer, pool, queue, stats, alpn);
    TicketKeys tickets = TicketKeys.load(config.sessionTickets().keyFile());
    ServerCertificate fallback =
        config.acme() == null ? null : SelfSignedFallback.create(config.acme().domains());
    CertificateStore certificates =
        CertificateStore.load(config.certificates(), factory, tickets.current(), fallback);
    TlsTerminator terminator =
        new TlsTerminator(
            listener,
            config,
            queue,
            stats,
            tickets,
            certificates,
            pool,
            challenges,
            factory.stapling());
    try {
      terminator.startUpkeep();
    } catch (TlsSetupException | RuntimeException e) {
      terminator.close();
      throw e;
    }
    terminator.logSigner(signer, pool);
    return terminator;
  }

  /** OCSP for the certificates of the files; the ACME certificates' first orders or renewals. */
  private void startUpkeep() throws TlsSetupException {
    staple();
    if (config.acme() != null) {
      acme =
          new AcmeCertificates(
              listener,
              config.acme(),
              challenges,
              this::installObtained,
              certificateThreads,
              certificateStats);
      acme.start();
    }
  }

  /** Serves an obtained certificate from now on; open connections keep theirs. */
  private synchronized LiveCertificate installObtained(String id, ServerCertificate certificate)
      throws TlsSetupException {
    LiveCertificate live = certificates.install(id, certificate);
    staple();
    return live;
  }

  private void staple() {
    if (stapling != null) {
      stapling.track(certificates.table().all());
    }
  }

  @Override
  public Future<LiveCertificate> select(String hostname, EventExecutor loop) {
    SniTable table = certificates.table();
    LiveCertificate covering = table.covering(hostname);
    if (covering != null) {
      return loop.newSucceededFuture(covering);
    }
    AcmeCertificates orders = acme;
    return orders == null
        ? loop.newSucceededFuture(table.fallback())
        : orders.onDemand(hostname, loop, table.fallback());
  }

  @Override
  public SslContext challenge(String hostname) {
    return challenges.tlsAlpn01(hostname);
  }

  /** Orders, OCSP fetches and their outcomes since start. */
  public CertificateStats certificateStats() {
    return certificateStats;
  }

  /**
   * The certificates served now (the self-signed fallback left out), each by its first name, with
   * the moment it expires.
   */
  public java.util.Map<String, java.time.Instant> certificateExpiries() {
    java.util.Map<String, java.time.Instant> expiries = new java.util.TreeMap<>();
    for (LiveCertificate certificate : certificates.table().all()) {
      X509Certificate leaf = certificate.leaf();
      if (leaf.getSubjectX500Principal().getName().equals(SelfSignedFallback.PRINCIPAL)
          || certificate.names().isEmpty()) {
        continue;
      }
      expiries.putIfAbsent(certificate.names().get(0), leaf.getNotAfter().toInstant());
    }
    return expiries;
  }

  /** Fetches every stapled OCSP response again now, as after a known revocation. */
  public void refreshOcsp() {
    if (stapling != null) {
      stapling.refreshNow();
    }
  }

  private void logSigner(SignerSelection signer, SigningPool pool) {
    String engine = config.provider() == TlsConfig.TlsProvider.JDK ? "the JDK" : "BoringSSL";
    if (handshakeTasks != null) {
      log.info(
          "listener {}: TLS by the JDK, handshakes computed on {} crypto threads",
          listener,
          pool.threads());
    } else if (signer.async()) {
      log.info(
          "listener {}: TLS by {}, signer {} on {} crypto threads, signing queue {}",
          listener,
          engine,
          signer.name(),
          pool.threads(),
          config.signingQueue());
    } else if (signer.fallbackReason() != null) {
      log.info(
          "listener {}: TLS by {}, signer {} on the event loops ({})",
          listener,
          engine,
          signer.name(),
          signer.fallbackReason());
    } else {
      log.info(
          "listener {}: TLS by {}, signer {} on the event loops", listener, engine, signer.name());
    }
    if (config.clientCa() != null) {
      log.info(
          "listener {}: client certificates verified against {} by {}",
          listener,
          config.clientCa(),
          ClientCertificateTrust.verifier());
    }
  }

  /** A new client's handshake handler: SNI, then TLS, counted; fires the handshake's outcome. */
  public ChannelHandler newHandshakeHandler() {
    return new HandshakeRecorder(this, queue, stats, handshakeTasks);
  }

  /** Whether client certificates are verified against {@code client_ca} (else any is taken). */
  public boolean verifiesClientCertificates() {
    return config.clientCa() != null;
  }

  public Duration handshakeTimeout() {
    return config.handshakeTimeout();
  }

  public TlsStats stats() {
    return stats;
  }

  /** Whether the handshake on {@code engine}, just finished, resumed a session. */
  public static boolean resumed(SSLEngine engine, long handshakeStartedMillis) {
    return HandshakeRecorder.resumed(engine, handshakeStartedMillis);
  }

  /** Whether a failed handshake was shed for want of signing capacity, not the client's doing. */
  public static boolean isShed(Throwable cause) {
    return cause == AsyncSigningMethod.SHED;
  }

  /**
   * The reason a handshake failed, short enough for a log field: BoringSSL's reason code ({@code
   * WRONG_VERSION_NUMBER}, {@code CERTIFICATE_VERIFY_FAILED}...), {@code NOT_TLS} for bytes that
   * are no TLS record, {@code CLOSED} for a client that left, {@code SHED}, or the JDK's message.
   */
  public static String failureReason(Throwable cause) {
    if (cause == null) {
      return "CLOSED";
    }
    if (isShed(cause)) {
      return "SHED";
    }
    if (cause instanceof DecoderException && cause.getCause() != null) {
      return failureReason(cause.getCause());
    }
    if (cause instanceof NotSslRecordException) {
      return "NOT_TLS";
    }
    if (cause instanceof SslHandshakeTimeoutException) {
      return "TIMEOUT";
    }
    if (cause instanceof ClosedChannelException) {
      return "CLOSED";
    }
    String message = cause.getMessage();
    if (message == null || message.isBlank()) {
      return cause.getClass().getSimpleName();
    }
    // BoringSSL: "error:10000116:SSL routines:OPENSSL_internal:NO_SUPPORTED_VERSIONS_FROM_CLIENT"
    int colon = message.lastIndexOf(':');
    String reason =
        message.startsWith("error:") && colon >= 0 ? message.substring(colon + 1) : message;
    reason = reason.strip().replace(' ', '_');
    return reason.length() > 80 ? reason.substring(0, 80) : reason;
  }

  /**
   * Picks up changed certificate, key and ticket-key files. Never on an event loop: it reads files
   * and builds contexts. A file that does not load is logged and the old setting stays.
   */
  public synchronized void checkFiles() {
    try {
      if (tickets.reloadIfChanged()) {
        certificates.installTicketKeys(tickets.current());
        log.info("listener {}: ticket keys reloaded", listener);
      }
    } catch (TlsSetupException e) {
      log.warn("listener {}: keeping the ticket keys in use: {}", listener, e.getMessage());
    }
    try {
      if (certificates.reloadIfChanged(tickets.current())) {
        log.info("listener {}: certificates reloaded", listener);
        staple();
      }
    } catch (TlsSetupException e) {
      log.warn("listener {}: keeping the certificates in use: {}", listener, e.getMessage());
    }
  }

  /** How often the control thread calls {@link #rotateTicketKeys}; zero when a file holds them. */
  public Duration ticketRotation() {
    return tickets.fromFile() ? Duration.ZERO : config.sessionTickets().rotate();
  }

  /** Rotates keys made in memory: a new one encrypts, the previous one still decrypts. */
  public synchronized void rotateTicketKeys() {
    if (tickets.rotate()) {
      certificates.installTicketKeys(tickets.current());
    }
  }

  /** Whether the listener's ticket keys come from a key file (which a fleet then shares). */
  public boolean ticketKeysFromFile() {
    return tickets.fromFile();
  }

  /**
   * The period after which a fleet's newest ticket key is replaced: {@code session_tickets.rotate}.
   */
  public Duration ticketKeyPeriod() {
    return config.sessionTickets().rotate();
  }

  /**
   * Installs a fleet's ticket keys, newest first, 48 bytes each: new tickets are sealed with the
   * newest, and a ticket sealed by any instance with any of them resumes here. Local rotation
   * stops. Called off the event loops (the fleet thread).
   *
   * @throws IllegalArgumentException when a key is not 48 bytes or there is none
   */
  public synchronized void shareTicketKeys(java.util.List<byte[]> newestFirst) {
    tickets.share(newestFirst);
    certificates.installTicketKeys(tickets.current());
  }

  /** Releases the contexts; call once no event loop uses them. */
  @Override
  public void close() {
    if (acme != null) {
      acme.close();
    }
    if (stapling != null) {
      stapling.close();
    }
    if (certificateThreads != null) {
      certificateThreads.shutdownNow();
    }
    certificates.close();
  }
}
