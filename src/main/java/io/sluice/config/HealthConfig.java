package io.sluice.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Duration;

/**
 * Active health checks of a pool's servers, run on their own event loop so that a storm on the
 * traffic loops cannot delay them.
 *
 * @param check what a check does
 * @param interval time between checks of one server while its state is settled
 * @param fastInterval time between checks while a server is changing state (between its first
 *     failure and {@code fall}, or its first success and {@code rise})
 * @param timeout a check not answered by then failed
 * @param rise consecutive successes that bring a down server up
 * @param fall consecutive failures that take an up server down
 * @param path {@code http}: the request path
 * @param method {@code http}: the request method
 * @param host {@code http}: the Host header; absent: the server's address
 * @param expectStatus {@code http}: the accepted status range, {@code 200-399} or {@code 200}
 * @param bodyContains {@code http}: text the response body must contain
 * @param agentPort {@code agent}: the port of the server's agent (HAProxy's agent-check protocol)
 * @param sni {@code tls}: the server name sent in the handshake, or none
 * @param sipTransport {@code sip}: how the OPTIONS request travels; {@code udp} unless given, and
 *     left null for other checks so that validation can tell a stray key from the default
 * @param sipPort {@code sip}: the port the server's SIP stack listens on; absent: the server's own
 *     port
 */
public record HealthConfig(
    Check check,
    Duration interval,
    Duration fastInterval,
    Duration timeout,
    Integer rise,
    Integer fall,
    String path,
    String method,
    String host,
    String expectStatus,
    String bodyContains,
    Integer agentPort,
    String sni,
    SipTransport sipTransport,
    Integer sipPort) {

  /** Two seconds: a dead server is out within fall × interval = 6 s, at one cheap probe per 2 s. */
  public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(2);

  public static final Duration DEFAULT_FAST_INTERVAL = Duration.ofMillis(500);
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(1);
  public static final int DEFAULT_RISE = 2;
  public static final int DEFAULT_FALL = 3;

  public static final HealthConfig NONE =
      new HealthConfig(
          Check.NONE,
          null,
          null,
          null,
          null,
          null,
          null,
          null,
          null,
          null,
          null,
          null,
          null,
          null,
          null);

  public HealthConfig {
    check = check == null ? Check.NONE : check;
    interval = interval == null ? DEFAULT_INTERVAL : interval;
    fastInterval = fastInterval == null ? DEFAULT_FAST_INTERVAL : fastInterval;
    timeout = timeout == null ? DEFAULT_TIMEOUT : timeout;
    rise = rise == null ? DEFAULT_RISE : rise;
    fall = fall == null ? DEFAULT_FALL : fall;
    path = path == null ? "/" : path;
    method = method == null ? "GET" : method;
    expectStatus = expectStatus == null ? "200-399" : expectStatus;
    // UDP because it is what SIP servers are sure to listen on (RFC 3261 §18: UDP and TCP are both
    // mandatory, but many deployments expose UDP only).
    sipTransport = sipTransport == null && check == Check.SIP ? SipTransport.UDP : sipTransport;
  }

  /** The kinds of active check. */
  public enum Check {
    /** No active check: servers are up unless an operator or outlier detection says otherwise. */
    @JsonProperty("none")
    NONE,
    /** A TCP connect succeeds. */
    @JsonProperty("tcp")
    TCP,
    /** An HTTP/1.1 request gets a status in {@code expect_status} (and the body text). */
    @JsonProperty("http")
    HTTP,
    /** The server's agent answers up, down, drain, maint or a weight percentage. */
    @JsonProperty("agent")
    AGENT,
    /** A TLS handshake completes (optionally with {@code sni}). */
    @JsonProperty("tls")
    TLS,
    /** A SIP OPTIONS request gets a final response (any status, 200 to 699) from the server. */
    @JsonProperty("sip")
    SIP
  }

  /** How a {@code sip} check's OPTIONS request travels. */
  public enum SipTransport {
    @JsonProperty("udp")
    UDP,
    @JsonProperty("tcp")
    TCP
  }
}
