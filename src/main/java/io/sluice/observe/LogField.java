package io.sluice.observe;

import java.util.Locale;

/**
 * The named fields of an access-log line: the keys of the {@code json} format and the {@code
 * %{name}} placeholders of a {@code custom} template. The YAML names are the constants in lower
 * case; the configuration checks templates against the same list ({@code AccessLogConfig.FIELDS}),
 * which a test keeps equal to this one.
 */
public enum LogField {
  /** Accept time, ISO 8601 in UTC with milliseconds: {@code 2026-11-23T10:12:51.443Z}. */
  TIME(false),
  /** Accept time in HAProxy's form: {@code 23/Nov/2026:10:12:51.443}. */
  ACCEPT_DATE(false),
  /** The client's address as Sluice believes it (the PROXY header's when accepted). */
  CLIENT(false),
  LISTENER(false),
  POOL(false),
  /** The server's address, or {@code <NOSRV>}. */
  SERVER(false),
  /** Milliseconds queued for a server slot (Tw), -1 if never queued. */
  TW(true),
  /** Milliseconds to connect to the server (Tc), -1 if no connection was made. */
  TC(true),
  /** Milliseconds from accept to close (Tt). */
  TT(true),
  /** Bytes read from the client. */
  BYTES_IN(true),
  /** Bytes sent to the client. */
  BYTES_OUT(true),
  /** The two-letter termination state. */
  TERM(false),
  /** The TLS outcome ({@code TLSv1.3/full}, {@code !REASON}), {@code -} on plain listeners. */
  TLS(false),
  // The fields below are HTTP requests' only; keep them after TLS (ConnectionRecord.has).
  /** HTTP: milliseconds until the request head was complete (HAProxy's TR). */
  TREQ(true),
  /** HTTP: milliseconds from the request sent to the response head (Tr), -1 if none came. */
  TRESP(true),
  /** HTTP: milliseconds from the request head to the last response byte (Ta). */
  TA(true),
  /** HTTP: the status the client got, -1 if none. */
  STATUS(true),
  /** HTTP: times the request was sent again to another server. */
  RETRIES(true),
  /** HTTP: the request line, method, path and version. */
  REQUEST(false);

  private final boolean numeric;
  private final String yamlName;

  LogField(boolean numeric) {
    this.numeric = numeric;
    this.yamlName = name().toLowerCase(Locale.ROOT);
  }

  boolean numeric() {
    return numeric;
  }

  /** The name in templates and JSON keys. */
  public String yamlName() {
    return yamlName;
  }

  /** The field called {@code name}, or {@code null}. */
  public static LogField byName(String name) {
    for (LogField field : values()) {
      if (field.yamlName.equals(name)) {
        return field;
      }
    }
    return null;
  }
}
