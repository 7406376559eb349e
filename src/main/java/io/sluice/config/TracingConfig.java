package io.sluice.config;

import java.time.Duration;

/**
 * Spans of slow or failed HTTP requests, sent to an OpenTelemetry collector over OTLP/HTTP.
 *
 * @param otlpEndpoint the collector's traces URL, {@code http://host:4318/v1/traces}
 * @param slowerThan a request that takes at least this long (request head to last byte) is
 *     exported; one answered with a 5xx, or ended by an error, always is
 * @param queue spans waiting for the exporter thread; beyond it they are dropped and counted
 * @param serviceName the {@code service.name} the spans carry
 */
public record TracingConfig(
    String otlpEndpoint, Duration slowerThan, Integer queue, String serviceName) {
  /** 500 ms: slow for a proxied request; fast requests are what metrics are for. */
  public static final Duration DEFAULT_SLOWER_THAN = Duration.ofMillis(500);

  public static final int DEFAULT_QUEUE = 2048;

  public TracingConfig {
    slowerThan = slowerThan == null ? DEFAULT_SLOWER_THAN : slowerThan;
    queue = queue == null ? DEFAULT_QUEUE : queue;
    serviceName = serviceName == null ? "sluice" : serviceName;
  }
}
