package io.sluice.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Duration;
import java.util.List;

/**
 * Certificates a TLS listener obtains and renews itself from an ACME (RFC 8555) certificate
 * authority.
 *
 * @param directory the CA's directory URL ({@code https://acme-v02.api.letsencrypt.org/directory})
 * @param email the account's contact address, where the CA sends expiry warnings
 * @param domains the names one certificate is ordered for at start (exact names: TLS-ALPN-01 and
 *     HTTP-01 cannot prove a wildcard)
 * @param challenge how the CA checks that Sluice answers for a name
 * @param storage directory of the account key and the certificates (made 0700, files 0600), so a
 *     restart reuses them
 * @param trustCa PEM bundle that the CA's own HTTPS certificate must chain to; absent: the JDK's
 *     trusted roots
 * @param renewAt the share of a certificate's lifetime after which it is renewed
 * @param renewJitter up to this share of the lifetime is taken off the renewal time at random, so a
 *     fleet started together does not renew together
 * @param timeout the longest one order (validation, issuance, download) may take
 * @param retryMin the wait after a first failed order; doubled after each further failure
 * @param retryMax the longest wait between two attempts
 * @param onDemand certificates ordered at the first handshake for a new name; absent: none
 */
public record AcmeConfig(
    String directory,
    String email,
    List<String> domains,
    Challenge challenge,
    String storage,
    String trustCa,
    Percent renewAt,
    Percent renewJitter,
    Duration timeout,
    Duration retryMin,
    Duration retryMax,
    OnDemandConfig onDemand) {

  /**
   * Two thirds: the schedule Let's Encrypt recommends; a 90-day certificate renews with a month
   * left, time for several failed attempts to be noticed and fixed.
   */
  public static final Percent DEFAULT_RENEW_AT = new Percent(200.0 / 3);

  /** 5 % of the lifetime: about four days of spread for a 90-day certificate. */
  public static final Percent DEFAULT_RENEW_JITTER = new Percent(5);

  /** 90 s: validation by a busy CA can take tens of seconds. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(90);

  public static final Duration DEFAULT_RETRY_MIN = Duration.ofMinutes(1);

  /** 6 h: a CA outage is retried a few times a day, inside every CA's rate limits. */
  public static final Duration DEFAULT_RETRY_MAX = Duration.ofHours(6);

  public AcmeConfig {
    domains = domains == null ? List.of() : List.copyOf(domains);
    challenge = challenge == null ? Challenge.TLS_ALPN_01 : challenge;
    renewAt = renewAt == null ? DEFAULT_RENEW_AT : renewAt;
    renewJitter = renewJitter == null ? DEFAULT_RENEW_JITTER : renewJitter;
    timeout = timeout == null ? DEFAULT_TIMEOUT : timeout;
    retryMin = retryMin == null ? DEFAULT_RETRY_MIN : retryMin;
    retryMax = retryMax == null ? DEFAULT_RETRY_MAX : retryMax;
  }

  /** How the CA validates a name. */
  public enum Challenge {
    /** RFC 8737: a special certificate on the TLS listener itself (port 443 for public CAs). */
    @JsonProperty("tls-alpn-01")
    TLS_ALPN_01,
    /** A token under {@code /.well-known/acme-challenge/} on an {@code http} listener (port 80). */
    @JsonProperty("http-01")
    HTTP_01
  }

  /**
   * Certificates obtained on demand: a handshake for a name no certificate covers yet starts an
   * order and waits for it a bounded time.
   *
   * @param allow names (exact or {@code *.example.com}, which matches one label below) that may be
   *     ordered; a name not matched gets the fallback certificate and no order
   * @param ask an HTTP URL asked {@code GET ask?domain=NAME} before each order: only a 200 answer
   *     allows it
   * @param handshakeWait ({@code wait}) how long the handshake that asked for a new name waits for
   *     its certificate before it is served the self-signed fallback
   * @param maxPending orders in progress at once; beyond it, new names get the fallback
   * @param rate new names ordered per period at most
   */
  public record OnDemandConfig(
      List<String> allow,
      String ask,
      @JsonProperty("wait") Duration handshakeWait,
      Integer maxPending,
      Rate rate) {
    public static final Duration DEFAULT_WAIT = Duration.ofSeconds(5);

    /** Eight: each pending order holds a key pair and a challenge; a CA limits them anyway. */
    public static final int DEFAULT_MAX_PENDING = 8;

    /** 10 per minute: Let's Encrypt allows 300 new orders per 3 hours per account. */
    public static final Rate DEFAULT_RATE = new Rate(10, Duration.ofMinutes(1));

    public OnDemandConfig {
      allow = allow == null ? List.of() : List.copyOf(allow);
      handshakeWait = handshakeWait == null ? DEFAULT_WAIT : handshakeWait;
      maxPending = maxPending == null ? DEFAULT_MAX_PENDING : maxPending;
      rate = rate == null ? DEFAULT_RATE : rate;
    }
  }
}
