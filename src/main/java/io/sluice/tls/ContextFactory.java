package io.sluice.tls;

import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.OpenSslContextOption;
import io.netty.handler.ssl.OpenSslSessionContext;
import io.netty.handler.ssl.OpenSslSessionTicketKey;
import io.netty.handler.ssl.OpenSslX509KeyManagerFactory;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.sluice.config.TlsConfig;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.TrustManagerFactory;

/**
 * Builds the server context of one certificate with one listener's settings: TLS 1.2 and 1.3 only,
 * AEAD suites with forward secrecy only (Mozilla's "intermediate" list), no renegotiation, the
 * listener's client-certificate policy and ticket keys.
 *
 * <p>With an asynchronous signer the context is built keyless, holding only the chain: BoringSSL
 * calls the private-key method only when it has no key of its own (counted in tests).
 *
 * <p>BoringSSL contexts and engines are reference counted rather than left to finalizers: at
 * thousands of connections per second, a finalizer per engine is real work for the collector. Each
 * engine holds its context until its connection ends; {@link CertificateStore} releases its own
 * reference when the context is retired.
 *
 * <p>Threads: the control thread builds; the contexts are then shared by every event loop
 * (BoringSSL's contexts are thread-safe, and Netty guards ticket-key changes with a lock).
 */
final class ContextFactory {
  private static final List<String> CIPHERS =
      List.of(
          "TLS_AES_128_GCM_SHA256",
          "TLS_AES_256_GCM_SHA384",
          "TLS_CHACHA20_POLY1305_SHA256",
          "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
          "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
          "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
          "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
          "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
          "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

  private final TlsConfig config;
  private final SignerSelection signer;
  private final SigningPool pool;
  private final SigningQueue queue;
  private final TlsStats stats;
  private final X509Certificate[] clientCas;

  /** Verifies client chains against {@link #clientCas}; {@code null} without them. */
  private final TrustManagerFactory clientTrust;

  private final List<String> alpn;

  ContextFactory(
      TlsConfig config,
      SignerSelection signer,
      SigningPool pool,
      SigningQueue queue,
      TlsStats stats,
      List<String> alpn)
      throws TlsSetupException {
    this.alpn = List.copyOf(alpn);
    this.config = config;
    this.signer = signer;
    this.pool = pool;
    this.queue = queue;
    this.stats = stats;
    if (config.provider() == TlsConfig.TlsProvider.JDK) {
      refuseJdkRenegotiation();
    }
    this.clientCas =
        config.clientCa() == null
            ? null
            : PemFiles.certificates(Path.of(config.clientCa())).toArray(new X509Certificate[0]);
    try {
      this.clientTrust = clientCas == null ? null : ClientCertificateTrust.forCas(clientCas);
    } catch (GeneralSecurityException e) {
      throw new TlsSetupException("client_ca " + config.clientCa() + ": " + e.getMessage(), e);
    }
  }

  /**
   * Loads BoringSSL's native library, or says why it cannot. Before anything else of netty-tcnative
   * is touched: even its signature-scheme constants are read from the library.
   */
  static void requireBoringSsl() throws TlsSetupException {
    if (!OpenSsl.isAvailable()) {
      throw new TlsSetupException(
          "BoringSSL (netty-tcnative) did not load on this platform: "
              + OpenSsl.unavailabilityCause()
              + " (use provider: jdk)",
          OpenSsl.unavailabilityCause());
    }
  }

  SslContext build(ServerCertificate certificate, List<OpenSslSessionTicketKey> ticketKeys)
      throws TlsSetupException {
    X509Certificate[] chain = certificate.chain().toArray(new X509Certificate[0]);
    SslContextBuilder builder;
    try {
      if (signer.async()) {
        builder =
            SslContextBuilder.forServer(OpenSslX509KeyManagerFactory.newKeyless(chain))
                .option(
                    OpenSslContextOption.ASYNC_PRIVATE_KEY_METHOD,
                    new AsyncSigningMethod(certificate.key(), signer.jca(), pool, queue, stats));
      } else {
        builder = SslContextBuilder.forServer(certificate.key(), chain);
      }
      builder
          .sslProvider(
              config.provider() == TlsConfig.TlsProvider.JDK
                  ? SslProvider.JDK
                  : SslProvider.OPENSSL_REFCNT)
          .protocols(protocols())
          .ciphers(CIPHERS, SupportedCipherSuiteFilter.INSTANCE)
          .sessionTimeout(sessionTimeoutSeconds());
      clientAuth(builder);
      if (stapling()) {
        builder.enableOcsp(true);
      }
      if (!alpn.isEmpty()) {
        builder.applicationProtocolConfig(
            new ApplicationProtocolConfig(
                ApplicationProtocolConfig.Protocol.ALPN,
                ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                alpn));
      }
      SslContext context = builder.build();
      installTicketKeys(context, ticketKeys);
      return context;
    } catch (GeneralSecurityException | java.io.IOException e) {
      throw new TlsSetupException(
          "cannot build a TLS context for "
              + certificate.leaf().getSubjectX500Principal().getName()
              + ": "
              + e.getMessage(),
          e);
    }
  }

  /** Whether handshakes staple OCSP responses: BoringSSL only, where the engine takes one. */
  boolean stapling() {
    return config.ocspStapling()
        && config.provider() == TlsConfig.TlsProvider.BORINGSSL
        && OpenSsl.isOcspSupported();
  }

  /**
   * The context of a TLS-ALPN-01 challenge (RFC 8737): the challenge's self-signed certificate,
   * ALPN {@code acme-tls/1} only. Signed by BoringSSL itself: a CA's few validation handshakes do
   * not need the signing pool. Not reference counted: it is withdrawn while a validation handshake
   * may still be starting with it, so the collector frees it once nothing holds it.
   */
  static SslContext challenge(X509Certificate certificate, java.security.PrivateKey key)
      throws TlsSetupException {
    try {
      return SslContextBuilder.forServer(key, certificate)
          .sslProvider(SslProvider.OPENSSL)
          .protocols("TLSv1.2", "TLSv1.3")
          .applicationProtocolConfig(
              new ApplicationProtocolConfig(
                  ApplicationProtocolConfig.Protocol.ALPN,
                  ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                  ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                  ClientHelloSelector.ACME_TLS_1))
          .build();
    } catch (javax.net.ssl.SSLException e) {
      throw new TlsSetupException("cannot build the TLS-ALPN-01 context: " + e.getMessage(), e);
    }
  }

  /** BoringSSL's contexts take the listener's keys; the JDK's engine keeps its own. */
  static void installTicketKeys(SslContext context, List<OpenSslSessionTicketKey> keys) {
    if (context.sessionContext() instanceof OpenSslSessionContext openssl) {
      openssl.setTicketKeys(keys.toArray(new OpenSslSessionTicketKey[0]));
    }
  }

  private List<String> protocols() {
    List<String> protocols = new ArrayList<>();
    for (TlsConfig.TlsVersion version : config.versions()) {
      protocols.add(version == TlsConfig.TlsVersion.TLS_1_3 ? "TLSv1.3" : "TLSv1.2");
    }
    return protocols;
  }

  /**
   * A session outlives neither of the two ticket keys that can decrypt it, so that a key rotated
   * out really retires every ticket it sealed.
   */
  private long sessionTimeoutSeconds() {
    return Math.max(1, config.sessionTickets().rotate().toSeconds() * 2);
  }

  /**
   * {@code require} verifies against {@code client_ca}; {@code request} asks for a certificate and
   * verifies it against {@code client_ca} when one is given, else accepts any: devices carry
   * self-signed certificates, and the server behind Sluice decides what they are worth.
   */
  private void clientAuth(SslContextBuilder builder) {
    switch (config.clientAuth()) {
      case NONE -> builder.clientAuth(ClientAuth.NONE);
      case REQUEST -> {
        builder.clientAuth(ClientAuth.OPTIONAL);
        if (clientCas == null) {
          builder.trustManager(InsecureTrustManagerFactory.INSTANCE);
        } else {
          builder.trustManager(clientTrust);
        }
      }
      case REQUIRE -> builder.clientAuth(ClientAuth.REQUIRE).trustManager(clientTrust);
    }
  }

  /**
   * BoringSSL never renegotiates as a server; the JDK's engine does unless told otherwise, and it
   * reads this once, when its first server handshake loads the class.
   */
  private static void refuseJdkRenegotiation() {
    if (System.getProperty("jdk.tls.rejectClientInitiatedRenegotiation") == null) {
      System.setProperty("jdk.tls.rejectClientInitiatedRenegotiation", "true");
    }
  }
}
