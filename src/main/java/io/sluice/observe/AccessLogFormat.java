package io.sluice.observe;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * Access-log line formats. The TCP format follows HAProxy's {@code option tcplog} field order so
 * that existing tools and habits apply, followed by the bytes read from the client, which HAProxy's
 * format lacks:
 *
 * <pre>
 * 127.0.0.1:40312 [23/Nov/2026:10:12:51.443] git-ssh ssh/127.0.0.1:2201 0/1/5007 2120 -- 311
 * client          accept date                listener pool/server     Tw/Tc/Tt bytes_out state bytes_in
 * </pre>
 *
 * <p>TLS listeners add one field, the handshake's outcome, in braces: {@code {TLSv1.3/full}},
 * {@code {TLSv1.2/resumed "CN=device-7"}} with the client certificate's subject, or {@code
 * {!WRONG_VERSION_NUMBER}} with the reason a handshake failed.
 */
public final class AccessLogFormat {
  private static final DateTimeFormatter ACCEPT_DATE =
      DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss.SSS", Locale.ROOT).withZone(ZoneOffset.UTC);

  private AccessLogFormat() {}

  /** Appends an accept time as HAProxy writes it: {@code 23/Nov/2026:10:12:51.443}, in UTC. */
  static void appendAcceptDate(StringBuilder line, long epochMillis) {
    ACCEPT_DATE.formatTo(Instant.ofEpochMilli(epochMillis), line);
  }

  /** The fields both layouts open with: {@code client [date] listener pool/server }. */
  private static void appendOrigin(
      StringBuilder line,
      String client,
      long epochMillis,
      String listener,
      String pool,
      String server) {
    line.append(client).append(" [");
    appendAcceptDate(line, epochMillis);
    line.append("] ")
        .append(listener)
        .append(' ')
        .append(pool)
        .append('/')
        .append(server)
        .append(' ');
  }

  /** Appends the TCP line for {@code record} to {@code line}, without a newline. */
  public static void tcpLog(StringBuilder line, ConnectionRecord record) {
    appendOrigin(
        line,
        record.client(),
        record.acceptEpochMillis(),
        record.listener(),
        record.pool(),
        record.server());
    line.append(record.queueMillis())
        .append('/')
        .append(record.connectMillis())
        .append('/')
        .append(record.totalMillis())
        .append(' ')
        .append(record.bytesToClient())
        .append(' ')
        .append(record.termination().code())
        .append(' ')
        .append(record.bytesFromClient());
    if (record.tls() != null) {
      line.append(" {").append(record.tls()).append('}');
    }
  }

  /**
   * Appends HAProxy's {@code httplog} line for {@code record} (without captured headers or
   * cookies), which {@code halog} reads.
   */
  public static void httpLog(StringBuilder line, HttpRecord record) {
    appendOrigin(
        line,
        record.client(),
        record.startEpochMillis(),
        record.listener(),
        record.pool(),
        record.server());
    line.append(record.requestMillis())
        .append('/')
        .append(record.queueMillis())
        .append('/')
        .append(record.connectMillis())
        .append('/')
        .append(record.responseMillis())
        .append('/')
        .append(record.activeMillis())
        .append(' ')
        .append(record.status())
        .append(' ')
        .append(record.bytesToClient())
        .append(" - - ")
        .append(record.termination().code())
        .append("-- 0/0/0/")
        .append(record.serverActive())
        .append('/')
        .append(record.retries())
        .append(" 0/")
        .append(record.queueLength())
        .append(" \"")
        .append(record.request())
        .append('"');
    if (record.tls() != null) {
      line.append(" {").append(record.tls()).append('}');
    }
  }
}
