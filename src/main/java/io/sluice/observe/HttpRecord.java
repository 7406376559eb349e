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
    String tls) {}
