package io.sluice.observe;

/**
 * How a connection ended, in HAProxy's two-letter convention so that operators' habits and tools
 * (halog) carry over: the first letter says who or what ended it, the second in which phase.
 *
 * <p>First letter: {@code C} client, {@code S} server, {@code P} proxy, {@code R} resource limit,
 * {@code I} internal error, {@code D} server down, {@code K} killed (stop or admin), {@code c}/
 * {@code s} client/server timeout, {@code L} answered locally, {@code -} normal. Second letter:
 * {@code R} waiting for the request (PROXY header, TLS handshake, HTTP request head), {@code Q}
 * queued, {@code C} connecting to the server, {@code H} waiting for the response head, {@code D}
 * data, {@code -} normal.
 */
public enum TerminationState {
  /** Both sides closed normally. */
  NORMAL("--"),
  /**
   * The client went away before its PROXY header or first bytes arrived, or its TLS handshake
   * failed (garbage, an alert, a refused certificate); the log line carries the TLS reason.
   */
  CLIENT_ABORTED_DURING_REQUEST("CR"),
  /** The client closed while Sluice was still connecting to the server. */
  CLIENT_ABORTED_DURING_CONNECT("CC"),
  /** The client reset or failed while data was flowing. */
  CLIENT_ABORTED_DURING_DATA("CD"),
  /** The server refused the connection or no server could take it. */
  SERVER_REFUSED_DURING_CONNECT("SC"),
  /** The server reset or failed while data was flowing: the figure to watch. */
  SERVER_CLOSED_DURING_DATA("SD"),
  /** Sluice rejected what the client sent first (a malformed PROXY header). */
  PROXY_REJECTED_REQUEST("PR"),
  /** The client left while waiting in the pool's queue. */
  CLIENT_ABORTED_DURING_QUEUE("CQ"),
  /** Every server was at its limit and the pool's queue was full: refused at once. */
  RESOURCE_LIMIT_DURING_QUEUE("RQ"),
  /** Waited in the pool's queue for the whole queue timeout without a slot. */
  SERVER_TIMEOUT_DURING_QUEUE("sQ"),
  /** The client did not finish its PROXY header or TLS handshake within the allowed time. */
  CLIENT_TIMEOUT_DURING_REQUEST("cR"),
  /**
   * A full TLS handshake shed before its signature because the signing queue was full: Sluice's own
   * limit, not the client's fault, so it is counted apart from {@code CR}.
   */
  RESOURCE_LIMIT_DURING_REQUEST("RR"),
  /** No progress either way for the idle timeout, with the client side the one stalled. */
  CLIENT_TIMEOUT_DURING_DATA("cD"),
  /** The server did not accept the connection within the connect timeout. */
  SERVER_TIMEOUT_DURING_CONNECT("sC"),
  /** No progress for the idle timeout with data waiting for the server to read it. */
  SERVER_TIMEOUT_DURING_DATA("sD"),
  /** A UDP flow evicted to make room for a new one when the flow table was full. */
  RESOURCE_LIMIT_DURING_DATA("RD"),
  /** A UDP flow whose server went down: it ended there and moved to another server. */
  SERVER_DOWN_DURING_DATA("DD"),
  /** Closed by a stop whose drain timeout passed before the connection ended. */
  KILLED_DURING_DATA("KD"),
  /** HTTP: the server closed or reset before its response head was complete. */
  SERVER_ABORTED_DURING_HEADERS("SH"),
  /** HTTP: the server's response head did not arrive within the response timeout. */
  SERVER_TIMEOUT_DURING_HEADERS("sH"),
  /** HTTP: Sluice refused the server's response (malformed): the client got 502. */
  PROXY_REJECTED_RESPONSE("PH"),
  /** HTTP: answered by Sluice itself (no route: 404, target server down: 503). */
  LOCAL_ANSWER_DURING_REQUEST("LR"),
  /** An unexpected error inside Sluice; always a bug worth reporting. */
  INTERNAL_ERROR_DURING_DATA("ID");

  private final String code;

  TerminationState(String code) {
    this.code = code;
  }

  /** The two-letter code written in logs and used as a metric label. */
  public String code() {
    return code;
  }
}
