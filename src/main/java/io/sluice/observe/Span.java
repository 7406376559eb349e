package io.sluice.observe;

import java.util.List;
import java.util.Map;

/**
 * One proxied request as a span of its trace: Sluice's hop, between the client's span (its {@code
 * traceparent}) and the server's.
 *
 * @param traceId 32 hex digits
 * @param spanId Sluice's span, 16 hex digits, the parent the server sees
 * @param parentSpanId the client's span, or {@code null} when Sluice started the trace
 * @param name {@code METHOD /path}
 * @param startEpochNanos the request head's arrival
 * @param endEpochNanos the last response byte, or the end of the exchange
 * @param error whether the request failed (a 5xx, or no response)
 * @param attributes string attributes: listener, pool, server, status, termination state
 * @param events the request's phases: queued, connected, response head
 */
public record Span(
    String traceId,
    String spanId,
    String parentSpanId,
    String name,
    long startEpochNanos,
    long endEpochNanos,
    boolean error,
    Map<String, String> attributes,
    List<Event> events) {

  /** A moment in the span's life. */
  public record Event(String name, long epochNanos) {}
}
