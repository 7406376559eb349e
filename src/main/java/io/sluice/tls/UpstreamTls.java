package io.sluice.tls;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.util.NetUtil;
import io.netty.util.ReferenceCountUtil;
import io.sluice.config.TlsConfig;
import io.sluice.config.UpstreamTlsConfig;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * TLS from Sluice to one pool's servers: a client context built once from the pool's {@code tls}
 * block, and a fresh {@link SslHandler} per server connection, sending the configured SNI name (or
 * the server's host name), presenting the client certificate if one is configured, and verifying
 * the server's certificate against the pool's CAs or the JVM's trust store and its name. BoringSSL
 * (netty-tcnative) when it loads, else the JDK's engine, whose handshake tasks then run on the
 * executor given at start rather than on the event loop. Sessions are resumed per server (the
 * engine's client session cache, keyed by host and port), so a busy pool pays the full handshake
 * once per server and key lifetime, not per connection.
 *
 * <p>Reusable by any proxy that connects to servers: it knows nothing of the connection it serves.
 *
 * <p>Threads: built and closed by the control thread; {@link #newHandler} is called on event loops
 * and the health loop and reads only final fields; the failure log's counters are atomics.
 */
public final class UpstreamTls implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(UpstreamTls.class);

  /** One warning per pool per interval at most: an outage must not flood the log. */
  private static final long LOG_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);

  private final String pool;
  private final UpstreamTlsConfig config;
  private final SslContext context;
  private final Executor handshakeTasks;
  private final AtomicLong nextLogNanos = new AtomicLong(System.nanoTime());
  private final AtomicLong unlogged = new AtomicLong();

  private UpstreamTls(
      String pool, UpstreamTlsConfig config, SslContext context, Executor handshakeTasks) {
    this.pool = pool;
    this.config = config;
    this.context = context;
    this.handshakeTasks = handshakeTasks;
  }

  /**
   * Builds the client context of {@code config}.
   *
   * @param pool the pool's name, for messages
   * @param handshakeTasks where the JDK engine's delegated tasks run if BoringSSL is unavailable
   *     (the crypto pool); {@code null}: on the calling thread
   * @throws TlsSetupException naming the file or setting at fault
   */
  public static UpstreamTls start(String pool, UpstreamTlsConfig config, SigningPool handshakeTasks)
      throws TlsSetupException {
    SslContextBuilder builder =
        SslContextBuilder.forClient()
            .sslProvider(OpenSsl.isAvailable() ? SslProvider.OPENSSL_REFCNT : SslProvider.JDK)
            .protocols(protocols(config.minVersion()));
    if (config.verify()) {
      builder.endpointIdentificationAlgorithm("HTTPS");
      if (config.ca() != null) {
        builder.trustManager(PemFiles.certificates(Path.of(config.ca())));
      }
    } else {
      builder.endpointIdentificationAlgorithm(null);
      builder.trustManager(InsecureTrustManagerFactory.INSTANCE);
    }
    if (config.cert() != null) {
      List<X509Certificate> chain = PemFiles.certificates(Path.of(config.cert()));
      PrivateKey key = PemFiles.privateKey(Path.of(config.key()), chain.get(0).getPublicKey());
      if (!PemFiles.matches(key, chain.get(0).getPublicKey())) {
        throw new TlsSetupException(
            "the key in '" + config.key() + "' does not belong to '" + config.cert() + "'");
      }
      builder.keyManager(key, chain);
    }
    if (!config.alpn().isEmpty()) {
      builder.applicationProtocolConfig(
          new ApplicationProtocolConfig(
              ApplicationProtocolConfig.Protocol.ALPN,
              // The only behaviours BoringSSL offers a client: say nothing of a failed selection,
              // and let the connection go on with whatever the server chose.
              ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
              ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
              config.alpn()));
    }
    try {
      SslContext context = builder.build();
      boolean jdk = !OpenSsl.isAvailable();
      log.info(
          "pool {}: TLS to servers by {}, {}",
          pool,
          jdk ? "the JDK" : "BoringSSL",
          config.verify() ? "verifying certificates" : "certificates NOT verified");
      return new UpstreamTls(
          pool, config, context, jdk && handshakeTasks != null ? handshakeTasks::execute : null);
    } catch (SSLException e) {
      throw new TlsSetupException(
          "pool '" + pool + "': cannot build the TLS client context: " + e.getMessage(), e);
    }
  }

  private static String[] protocols(TlsConfig.TlsVersion minVersion) {
    return minVersion == TlsConfig.TlsVersion.TLS_1_3
        ? new String[] {"TLSv1.3"}
        : new String[] {"TLSv1.3", "TLSv1.2"};
  }

  /**
   * A handler for a new connection to the server at {@code host} and {@code port}: it sends the
   * pool's {@code sni}, else {@code host} when it is a name, and verifies the certificate against
   * the same name (or address). The handshake starts when the handler is added to an active
   * channel, and fails after {@code handshakeTimeout}.
   *
   * @param host the server's host name or address literal as configured; {@code null} for a unix
   *     socket
   * @param port the server's port, or -1
   */
  public SslHandler newHandler(
      ByteBufAllocator alloc, String host, int port, Duration handshakeTimeout) {
    String name = config.sni() != null ? config.sni() : host;
    SslHandler handler =
        handshakeTasks == null
            ? context.newHandler(alloc, name, port)
            : context.newHandler(alloc, name, port, handshakeTasks);
    if (name != null && name.indexOf('.') < 0 && !NetUtil.isValidIpV6Address(name)) {
      // Netty sends only dotted names; a single label (a short host name, "localhost") is a valid
      // SNI name too, and the server may choose its certificate by it.
      SSLEngine engine = handler.engine();
      SSLParameters parameters = engine.getSSLParameters();
      parameters.setServerNames(List.of(new SNIHostName(name)));
      engine.setSSLParameters(parameters);
    }
    handler.setHandshakeTimeoutMillis(Math.max(1, handshakeTimeout.toMillis()));
    return handler;
  }

  /**
   * Logs a failed handshake with a server, at most once per pool every ten seconds, counting the
   * ones left out: during an outage every connection fails the same way. Called on event loops.
   *
   * @param cause the failure, whose innermost message says more than the reason (the name that did
   *     not match, the missing CA)
   */
  public void logFailure(String server, String reason, Throwable cause) {
    long now = System.nanoTime();
    long next = nextLogNanos.get();
    if (now - next < 0 || !nextLogNanos.compareAndSet(next, now + LOG_INTERVAL_NANOS)) {
      unlogged.incrementAndGet();
      return;
    }
    long skipped = unlogged.getAndSet(0);
    String detail = innermostMessage(cause);
    log.warn(
        "pool {}: TLS handshake with server {} failed: {}{}{}",
        pool,
        server,
        reason,
        detail == null || detail.equals(reason) ? "" : " (" + detail + ")",
        skipped == 0 ? "" : "; " + skipped + " more failures since the last message");
  }

  /**
   * The reason a handshake failed, short enough for a log field: {@code CERTIFICATE_VERIFY_FAILED}
   * when the server's certificate was refused (BoringSSL reports a trust manager's refusal only as
   * a "general problem" around it), else as for clients (see TlsTerminator).
   */
  public static String failureReason(Throwable cause) {
    for (Throwable at = cause; at != null; at = at.getCause()) {
      if (at instanceof CertificateException) {
        return "CERTIFICATE_VERIFY_FAILED";
      }
    }
    return TlsTerminator.failureReason(cause);
  }

  private static String innermostMessage(Throwable cause) {
    String message = null;
    for (Throwable at = cause; at != null; at = at.getCause()) {
      if (at.getMessage() != null) {
        message = at.getMessage();
      }
    }
    return message;
  }

  /** Releases the context; call once no connection uses it. */
  @Override
  public void close() {
    ReferenceCountUtil.release(context);
  }
}
