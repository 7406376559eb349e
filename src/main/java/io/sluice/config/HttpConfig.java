package io.sluice.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Duration;
import java.util.List;

/**
 * How an {@code http} or {@code https} listener reads requests and what it tells servers.
 *
 * @param maxRequestLine longest request line; longer gets 414
 * @param maxHeaderSize largest request head (all header lines together); larger gets 431
 * @param maxHeaders most header fields in one request; more gets 431
 * @param timeouts how long a client may take over each part of a request
 * @param overload the answer when a request finds no room
 * @param forwarded the client's identity as servers see it
 * @param clientCertHeaders headers carrying the client's TLS certificate to the server
 * @param targetHeader a request header naming the server a request must go to, or absent
 * @param h2 HTTP/2 limits towards clients
 */
public record HttpConfig(
    Integer maxRequestLine,
    DataSize maxHeaderSize,
    Integer maxHeaders,
    HttpTimeouts timeouts,
    Overload overload,
    Forwarded forwarded,
    List<ClientCertHeader> clientCertHeaders,
    String targetHeader,
    H2 h2) {

  /** 8,192: as nginx and HAProxy; no real request line comes near it. */
  public static final int DEFAULT_MAX_REQUEST_LINE = 8_192;

  /** 16 KiB: generous for cookies and tokens, small enough that a slow client cannot pin memory. */
  public static final DataSize DEFAULT_MAX_HEADER_SIZE = DataSize.parse("16KiB");

  /** 100: as HAProxy's default; real browsers send a couple of dozen. */
  public static final int DEFAULT_MAX_HEADERS = 100;

  public static final HttpConfig DEFAULT =
      new HttpConfig(null, null, null, null, null, null, null, null, null);

  public HttpConfig {
    maxRequestLine = maxRequestLine == null ? DEFAULT_MAX_REQUEST_LINE : maxRequestLine;
    maxHeaderSize = maxHeaderSize == null ? DEFAULT_MAX_HEADER_SIZE : maxHeaderSize;
    maxHeaders = maxHeaders == null ? DEFAULT_MAX_HEADERS : maxHeaders;
    timeouts = timeouts == null ? HttpTimeouts.DEFAULT : timeouts;
    overload = overload == null ? Overload.DEFAULT : overload;
    forwarded = forwarded == null ? Forwarded.DEFAULT : forwarded;
    clientCertHeaders = clientCertHeaders == null ? List.of() : List.copyOf(clientCertHeaders);
    h2 = h2 == null ? H2.DEFAULT : h2;
  }

  /**
   * Client-side timeouts.
   *
   * @param requestHead from the first byte of a request (or the connection's start) to the end of
   *     its head: bounds slowloris clients
   * @param body between two pieces of a request body
   * @param keepAlive how long an idle keep-alive connection waits for its next request
   * @param send how long a response may wait on a client that does not read it (its write buffer
   *     above the high-water mark) before the connection is closed
   */
  public record HttpTimeouts(
      Duration requestHead, Duration body, Duration keepAlive, Duration send) {
    /** 10 s: a real client sends its head in one packet; HAProxy's {@code timeout http-request}. */
    public static final Duration DEFAULT_REQUEST_HEAD = Duration.ofSeconds(10);

    public static final Duration DEFAULT_BODY = Duration.ofSeconds(30);

    /** 60 s: browsers keep connections for about that long. */
    public static final Duration DEFAULT_KEEP_ALIVE = Duration.ofSeconds(60);

    /**
     * 30 s: a client on a poor mobile link drains 32 KiB well within it; one that asked and never
     * reads holds its buffers no longer.
     */
    public static final Duration DEFAULT_SEND = Duration.ofSeconds(30);

    public static final HttpTimeouts DEFAULT = new HttpTimeouts(null, null, null, null);

    public HttpTimeouts {
      requestHead = requestHead == null ? DEFAULT_REQUEST_HEAD : requestHead;
      body = body == null ? DEFAULT_BODY : body;
      keepAlive = keepAlive == null ? DEFAULT_KEEP_ALIVE : keepAlive;
      send = send == null ? DEFAULT_SEND : send;
    }
  }

  /**
   * The answer to a request that finds every server full and the queue full or too slow.
   *
   * @param status 429 or 503 usually
   * @param retryAfter the {@code Retry-After} value, drawn uniformly from this range per answer so
   *     refused clients do not all come back in the same second
   */
  public record Overload(Integer status, DurationRange retryAfter) {
    public static final int DEFAULT_STATUS = 429;

    /** 1 to 10 s: spreads a refused crowd over ten seconds without keeping it away for long. */
    public static final DurationRange DEFAULT_RETRY_AFTER =
        new DurationRange(Duration.ofSeconds(1), Duration.ofSeconds(10));

    public static final Overload DEFAULT = new Overload(null, null);

    public Overload {
      status = status == null ? DEFAULT_STATUS : status;
      retryAfter = retryAfter == null ? DEFAULT_RETRY_AFTER : retryAfter;
    }
  }

  /**
   * Identity headers added towards servers; inbound copies of every header Sluice sets are removed
   * first.
   *
   * @param xForwardedFor append the client's address, replace the header with it alone (for servers
   *     that read it as one address), or leave it alone
   * @param xForwardedProto set {@code X-Forwarded-Proto} to http or https
   * @param xForwardedHost set {@code X-Forwarded-Host} to the request's host
   * @param rfc7239 set {@code Forwarded: for=...;proto=...;host=...}
   * @param requestId the request-id header, generated when the client sent none; absent: none
   * @param traceparent pass a valid W3C {@code traceparent}, or start one when absent
   * @param keepClientRequestId keep a request id the client sent (so a client's id follows the
   *     request through); {@code false} where servers trust the id as Sluice's own, for instance to
   *     deduplicate or to audit: an inbound copy is then replaced
   */
  public record Forwarded(
      XForwardedFor xForwardedFor,
      Boolean xForwardedProto,
      Boolean xForwardedHost,
      @JsonProperty("forwarded") Boolean rfc7239,
      String requestId,
      Boolean traceparent,
      Boolean keepClientRequestId) {
    public static final Forwarded DEFAULT = new Forwarded(null, null, null, null, null, null, null);

    public Forwarded {
      xForwardedFor = xForwardedFor == null ? XForwardedFor.APPEND : xForwardedFor;
      xForwardedProto = xForwardedProto == null || xForwardedProto;
      xForwardedHost = xForwardedHost == null || xForwardedHost;
      rfc7239 = rfc7239 != null && rfc7239;
      requestId = requestId == null ? "x-request-id" : requestId;
      traceparent = traceparent == null || traceparent;
      keepClientRequestId = keepClientRequestId == null || keepClientRequestId;
    }

    /** Whether Sluice tells servers the client's address in a header of its own. */
    public boolean vouchesForClientAddress() {
      return xForwardedFor != XForwardedFor.OFF || rfc7239;
    }
  }

  /** What happens to {@code X-Forwarded-For}. */
  public enum XForwardedFor {
    @JsonProperty("append")
    APPEND,
    @JsonProperty("replace")
    REPLACE,
    @JsonProperty("off")
    OFF
  }

  /** A header carrying the client's certificate to servers. */
  public enum ClientCertHeader {
    /** {@code X-SSL-Cert}: the PEM, URL-escaped, as nginx's {@code $ssl_client_escaped_cert}. */
    @JsonProperty("x_ssl_cert")
    X_SSL_CERT,
    /** {@code X-Forwarded-Tls-Client-Cert}: base64 DER, URL-escaped, as Traefik sends it. */
    @JsonProperty("x_forwarded_tls_client_cert")
    X_FORWARDED_TLS_CLIENT_CERT,
    /** {@code X-SSL-Client-SHA256}: the certificate's SHA-256 fingerprint in hex. */
    @JsonProperty("sha256")
    SHA256
  }

  /**
   * HTTP/2 towards clients.
   *
   * @param maxConcurrentStreams streams one connection may have open
   * @param maxResetsPerMinute streams a client may reset per minute before its connection is
   *     closed: bounds the rapid-reset attack
   * @param maxQueuedControlFrames answers to control frames (SETTINGS and PING acknowledgements,
   *     resets) waiting to be sent: a client that floods them and does not read is closed past it
   * @param maxConsecutiveEmptyDataFrames empty DATA frames without END_STREAM in a row before the
   *     connection is closed: they cost work and carry nothing
   */
  public record H2(
      Integer maxConcurrentStreams,
      Integer maxResetsPerMinute,
      Integer maxQueuedControlFrames,
      Integer maxConsecutiveEmptyDataFrames) {
    /** 100: as nginx and most servers. */
    public static final int DEFAULT_MAX_CONCURRENT_STREAMS = 100;

    public static final int DEFAULT_MAX_RESETS_PER_MINUTE = 400;

    /**
     * 1,000: a real client has a handful of control frames unanswered at most; a thousand ACKs is
     * under 100 KiB per connection where Netty's own default of 10,000 allows ten times that.
     */
    public static final int DEFAULT_MAX_QUEUED_CONTROL_FRAMES = 1_000;

    /** 2: as Netty; no client has a reason to send more than one in a row. */
    public static final int DEFAULT_MAX_CONSECUTIVE_EMPTY_DATA_FRAMES = 2;

    public static final H2 DEFAULT = new H2(null, null, null, null);

    public H2 {
      maxConcurrentStreams =
          maxConcurrentStreams == null ? DEFAULT_MAX_CONCURRENT_STREAMS : maxConcurrentStreams;
      maxResetsPerMinute =
          maxResetsPerMinute == null ? DEFAULT_MAX_RESETS_PER_MINUTE : maxResetsPerMinute;
      maxQueuedControlFrames =
          maxQueuedControlFrames == null
              ? DEFAULT_MAX_QUEUED_CONTROL_FRAMES
              : maxQueuedControlFrames;
      maxConsecutiveEmptyDataFrames =
          maxConsecutiveEmptyDataFrames == null
              ? DEFAULT_MAX_CONSECUTIVE_EMPTY_DATA_FRAMES
              : maxConsecutiveEmptyDataFrames;
    }
  }
}
