package io.sluice.observe;

/**
 * What one finished HTTP request leaves behind: the fields of its {@code httplog} line, HAProxy's
 * layout. Built once per request on its event loop and formatted on the log writer's thread.
 *
 * @param startEpochMillis wall-clock time the request's first byte was awaited (accept, or the end
 *     of the previous request on a keep-alive connection)
 * @param client the client's address as Sluice believes it
 * @param listener the listener's name
 * @param pool the pool's name, or {@code -}
 * @param server the server's address, or {@code <NOSRV>}
 * @param requestMillis Tr(eq): until the request head was complete
 * @param queueMillis Tw: waiting for a server slot, -1 if never queued
 * @param connectMillis Tc: connecting to the server, 0 for a reused connection, -1 if none
 * @param responseMillis Tr: from the request sent to the response head, -1 if none came
 * @param activeMillis Ta: from the request head to the last response byte
 * @param status the status the client got, or -1 if none
 * @param bytesToClient response bytes sent to the client, head included
 * @param termination how it ended
 * @param serverActive requests in flight on the server when the request ended
 * @param retries how many times the request was tried again on another server
 * @param queueLength requests waiting in the pool's queue when the request ended
 * @param request the request line: method, path, version
 * @param tls the TLS handshake and client certificate summary, or {@code null}
 */
public record HttpRecord(
    long startEpochMillis,
    String client,
    String listener,
    String pool,
    String server,
    long requestMillis,
    long queueMillis,
    long connectMillis,
    long responseMillis,
    long activeMillis,
    int status,
    long bytesToClient,
    TerminationState termination,
    int serverActive,
    int retries,
    int queueLength,
    String request,
    String tls)
    implements LogRecord {
  private static final java.time.format.DateTimeFormatter ISO_TIME =
      java.time.format.DateTimeFormatter.ofPattern(
              "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'", java.util.Locale.ROOT)
          .withZone(java.time.ZoneOffset.UTC);

  @Override
  public void appendField(LogField field, StringBuilder line) {
    switch (field) {
      case TIME -> ISO_TIME.formatTo(java.time.Instant.ofEpochMilli(startEpochMillis), line);
      case ACCEPT_DATE -> AccessLogFormat.appendAcceptDate(line, startEpochMillis);
      case CLIENT -> line.append(client);
      case LISTENER -> line.append(listener);
      case POOL -> line.append(pool);
      case SERVER -> line.append(server);
      case TW -> line.append(queueMillis);
      case TC -> line.append(connectMillis);
      case TT, TA -> line.append(activeMillis);
      case BYTES_IN -> line.append('-');
      case BYTES_OUT -> line.append(bytesToClient);
      case TERM -> line.append(termination.code());
      case TLS -> line.append(tls == null ? "-" : tls);
      case TREQ -> line.append(requestMillis);
      case TRESP -> line.append(responseMillis);
      case STATUS -> line.append(status);
      case RETRIES -> line.append(retries);
      case REQUEST -> line.append(request);
    }
  }

  @Override
  public boolean has(LogField field) {
    return field != LogField.BYTES_IN;
  }
}
