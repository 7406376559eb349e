package io.sluice.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Duration;
import java.util.List;

/**
 * TLS termination on a listener ({@code protocol: tls} or {@code https}).
 *
 * @param certificates certificate chains with their keys; the SNI names each serves come from its
 *     subject alternative names unless {@code names} is given; the first is the default for clients
 *     that send no SNI or an unknown one
 * @param clientAuth whether clients present a certificate
 * @param clientCa PEM bundle of the CAs a client certificate must chain to ({@code require}); with
 *     {@code request} and no bundle, any certificate is accepted (self-signed device certificates)
 *     and its verification is the server's business
 * @param sessionTickets resumption keys
 * @param versions the TLS versions offered
 * @param provider the TLS engine
 * @param signer who computes the server's private-key signatures during full handshakes
 * @param handshakeTimeout a handshake not finished by then is closed ({@code cR})
 * @param signingQueue signatures waiting for the signer pool at once; past it new full handshakes
 *     are shed before any signature is computed, while resumed ones go on
 * @param ocspStapling staple an OCSP response to every certificate whose authority information
 *     access names an OCSP responder (BoringSSL only); on by default: clients then need not ask the
 *     CA themselves, which is slower for them and tells the CA who visits
 * @param acme certificates obtained and renewed from an ACME CA; absent: none
 */
public record TlsConfig(
    List<CertificateConfig> certificates,
    ClientAuth clientAuth,
    String clientCa,
    SessionTicketsConfig sessionTickets,
    List<TlsVersion> versions,
    TlsProvider provider,
    Signer signer,
    Duration handshakeTimeout,
    Integer signingQueue,
    Boolean ocspStapling,
    AcmeConfig acme) {

  /** 10 s: covers a client certificate's round trips over a slow mobile link. */
  public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);

  /**
   * 512 signatures: at ~10,000 P-384 signatures per second per core (AWS-LC) about 50 ms of work
   * per core; a deeper backlog only makes every waiting client later.
   */
  public static final int DEFAULT_SIGNING_QUEUE = 512;

  public TlsConfig {
    certificates = certificates == null ? List.of() : List.copyOf(certificates);
    clientAuth = clientAuth == null ? ClientAuth.NONE : clientAuth;
    sessionTickets = sessionTickets == null ? SessionTicketsConfig.DEFAULT : sessionTickets;
    versions =
        versions == null ? List.of(TlsVersion.TLS_1_2, TlsVersion.TLS_1_3) : List.copyOf(versions);
    provider = provider == null ? TlsProvider.BORINGSSL : provider;
    signer = signer == null ? Signer.AUTO : signer;
    handshakeTimeout = handshakeTimeout == null ? DEFAULT_HANDSHAKE_TIMEOUT : handshakeTimeout;
    signingQueue = signingQueue == null ? DEFAULT_SIGNING_QUEUE : signingQueue;
    ocspStapling = ocspStapling == null ? Boolean.TRUE : ocspStapling;
  }

  /**
   * One certificate chain and its key.
   *
   * @param cert PEM file: the leaf first, then intermediates
   * @param key PEM file of the unencrypted private key (PKCS#8, or the traditional EC/RSA form)
   * @param names SNI names this certificate serves (exact or {@code *.example.com}); absent: its
   *     subject alternative names
   */
  public record CertificateConfig(String cert, String key, List<String> names) {
    public CertificateConfig {
      names = names == null ? List.of() : List.copyOf(names);
    }
  }

  /**
   * Session-ticket keys for TLS 1.2 tickets and TLS 1.3 PSK resumption.
   *
   * @param keyFile keys in HAProxy's and nginx's format (one base64 key of 48 or 80 bytes per line;
   *     the first encrypts, all decrypt), so a fleet can share them; an 80-byte key's 16-byte AES
   *     and HMAC keys are derived from its 64 secret bytes (see TicketKeys); absent: keys made in
   *     memory and rotated every {@code rotate}
   * @param rotate how often in-memory keys rotate, and how often the key file is re-read
   */
  public record SessionTicketsConfig(String keyFile, Duration rotate) {
    /** One hour: a ticket stays valid for two rotations, bounding what a stolen key opens. */
    public static final Duration DEFAULT_ROTATE = Duration.ofHours(1);

    public static final SessionTicketsConfig DEFAULT = new SessionTicketsConfig(null, null);

    public SessionTicketsConfig {
      rotate = rotate == null ? DEFAULT_ROTATE : rotate;
    }
  }

  /** Client certificates. */
  public enum ClientAuth {
    @JsonProperty("none")
    NONE,
    @JsonProperty("request")
    REQUEST,
    @JsonProperty("require")
    REQUIRE
  }

  /** TLS versions; older ones are not offered at all. */
  public enum TlsVersion {
    @JsonProperty("tlsv1.2")
    TLS_1_2,
    @JsonProperty("tlsv1.3")
    TLS_1_3
  }

  /** The TLS engine: BoringSSL through netty-tcnative, or the JDK's as a fallback. */
  public enum TlsProvider {
    @JsonProperty("boringssl")
    BORINGSSL,
    @JsonProperty("jdk")
    JDK
  }

  /**
   * Who signs handshakes: the fastest available ({@code auto}: AWS-LC through the Amazon Corretto
   * Crypto Provider when it loads, else BoringSSL itself), or one named.
   */
  public enum Signer {
    @JsonProperty("auto")
    AUTO,
    @JsonProperty("aws_lc")
    AWS_LC,
    @JsonProperty("boringssl")
    BORINGSSL,
    @JsonProperty("jdk")
    JDK
  }
}
