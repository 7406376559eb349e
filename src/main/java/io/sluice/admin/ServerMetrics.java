package io.sluice.admin;

import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot.HistogramDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.sluice.observe.LiveView;
import java.util.Arrays;
import java.util.function.Function;

/**
 * The servers' histograms (queue wait, connect, HTTP body and first-byte times) and their HTTP
 * responses by class, from one live view. Labelled by pool and server only. The HTTP families list
 * only the servers of pools an HTTP listener sends to, so a TCP pool adds no rows of zeros.
 */
final class ServerMetrics {
  private static final String[] CLASSES = {"other", "1xx", "2xx", "3xx", "4xx", "5xx"};

  private ServerMetrics() {}

  static void add(LiveView now, MetricSnapshots.Builder metrics) {
    metrics.metricSnapshot(
        histogram(
            now,
            false,
            "sluice_server_queue_wait_seconds",
            "Time connections and requests waited for a slot on the server (0 when one was free)",
            LiveView.ServerTimings::queueWait));
    metrics.metricSnapshot(
        histogram(
            now,
            false,
            "sluice_server_connect_seconds",
            "Time new connections to the server took to be ready, TLS included",
            LiveView.ServerTimings::connect));
    metrics.metricSnapshot(
        histogram(
            now,
            true,
            "sluice_server_request_body_seconds",
            "HTTP: first to last byte of request bodies sent to the server",
            LiveView.ServerTimings::requestBody));
    metrics.metricSnapshot(
        histogram(
            now,
            true,
            "sluice_server_response_body_seconds",
            "HTTP: first to last byte of response bodies received from the server",
            LiveView.ServerTimings::responseBody));
    metrics.metricSnapshot(
        histogram(
            now,
            true,
            "sluice_server_first_byte_seconds",
            "HTTP: from the request sent to the server's response head",
            LiveView.ServerTimings::firstByte));
    metrics.metricSnapshot(responses(now));
  }

  private static HistogramSnapshot histogram(
      LiveView now,
      boolean httpOnly,
      String name,
      String help,
      Function<LiveView.ServerTimings, LiveView.DurationCounts> part) {
    HistogramSnapshot.Builder histogram = HistogramSnapshot.builder().name(name).help(help);
    for (LiveView.PoolLoad pool : now.pools()) {
      if (httpOnly && !pool.http()) {
        continue;
      }
      for (LiveView.ServerLoad server : pool.servers()) {
        LiveView.ServerTimings timings = server.timings();
        LiveView.DurationCounts counts = part.apply(timings);
        double[] bounds = Arrays.copyOf(timings.bucketsSeconds(), counts.counts().length);
        bounds[bounds.length - 1] = Double.POSITIVE_INFINITY;
        histogram.dataPoint(
            HistogramDataPointSnapshot.builder()
                .classicHistogramBuckets(ClassicHistogramBuckets.of(bounds, counts.counts()))
                .sum(counts.sumSeconds())
                .labels(Labels.of("pool", pool.name(), "server", server.name()))
                .build());
      }
    }
    return histogram.build();
  }

  private static CounterSnapshot responses(LiveView now) {
    CounterSnapshot.Builder responses =
        CounterSnapshot.builder()
            .name("sluice_server_responses")
            .help("HTTP responses the server sent, by status class (Sluice's own answers not)");
    for (LiveView.PoolLoad pool : now.pools()) {
      if (!pool.http()) {
        continue;
      }
      for (LiveView.ServerLoad server : pool.servers()) {
        for (int statusClass = 0; statusClass < CLASSES.length; statusClass++) {
          Labels labels =
              Labels.of(
                  "pool", pool.name(), "server", server.name(), "class", CLASSES[statusClass]);
          responses.dataPoint(
              CounterDataPointSnapshot.builder()
                  .value(server.responses()[statusClass])
                  .labels(labels)
                  .build());
        }
      }
    }
    return responses.build();
  }
}
