package io.sluice.observe;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * What one finished connection leaves behind: the fields of its access-log line. Built once per
 * connection on its event loop and formatted on the log writer's thread.
 *
 * @param acceptEpochMillis wall-clock time of the accept
 * @param client the client's address as Sluice believes it (the PROXY header's when accepted)
 * @param listener the listener's name
 * @param pool the pool's name, or {@code -}
 * @param server the server's address, or {@code <NOSRV>} when none was reached
 * @param queueMillis time spent waiting for a server slot (Tw), -1 if never queued
 * @param connectMillis time to connect to the server (Tc), -1 if no connection was made
 * @param totalMillis accept to close (Tt)
 * @param bytesFromClient bytes read from the client
 * @param bytesToClient bytes read from the server and relayed to the client
 * @param termination how it ended
 * @param tls on TLS listeners, the handshake's outcome ({@code TLSv1.3/full}, {@code
 *     TLSv1.2/resumed}, or {@code !REASON} when it failed) and the client certificate's subject
 *     when one was presented; {@code null} on plain listeners
 */
public record ConnectionRecord(
    long acceptEpochMillis,
    String client,
    String listener,
    String pool,
    String server,
    long queueMillis,
    long connectMillis,
    long totalMillis,
    long bytesFromClient,
    long bytesToClient,
    TerminationState termination,
    String tls)
    implements LogRecord {
  private static final DateTimeFormatter ISO_TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'", Locale.ROOT)
          .withZone(ZoneOffset.UTC);

  @Override
  public boolean has(LogField field) {
    return field.ordinal() <= LogField.TLS.ordinal();
  }

  @Override
  public void appendField(LogField field, StringBuilder line) {
    switch (field) {
      case TIME -> ISO_TIME.formatTo(Instant.ofEpochMilli(acceptEpochMillis), line);
      case ACCEPT_DATE -> AccessLogFormat.appendAcceptDate(line, acceptEpochMillis);
      case CLIENT -> line.append(client);
      case LISTENER -> line.append(listener);
      case POOL -> line.append(pool);
      case SERVER -> line.append(server);
      case TW -> line.append(queueMillis);
      case TC -> line.append(connectMillis);
      case TT -> line.append(totalMillis);
      case BYTES_IN -> line.append(bytesFromClient);
      case BYTES_OUT -> line.append(bytesToClient);
      case TERM -> line.append(termination.code());
      case TLS -> line.append(tls == null ? "-" : tls);
      default -> line.append('-');
    }
  }
}
