package io.sluice.admin;

import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.sluice.observe.LiveView;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The metrics of pools' {@code dns} and {@code dns_srv} entries, from the same {@link LiveView} as
 * the rest of a scrape. Labels are the pool, the entry's name and the result: all bounded by the
 * configuration. Nothing is written when no pool resolves through DNS.
 */
final class DnsMetrics {
  private DnsMetrics() {}

  static void add(LiveView now, MetricSnapshots.Builder metrics) {
    if (now.pools().stream().allMatch(pool -> pool.dns().isEmpty())) {
      return;
    }
    CounterSnapshot.Builder resolutions =
        CounterSnapshot.builder()
            .name("sluice_dns_resolutions")
            .help(
                "Resolutions of the pool's DNS entries, by result: success, empty, timeout, failure");
    GaugeSnapshot.Builder age =
        GaugeSnapshot.builder()
            .name("sluice_dns_last_success_age_seconds")
            .help("Since the entry last resolved, or since it began when it never did");
    GaugeSnapshot.Builder addresses =
        GaugeSnapshot.builder()
            .name("sluice_dns_addresses")
            .help("Addresses in the entry's last good set: the pool's servers from it");
    for (LiveView.PoolLoad pool : now.pools()) {
      Map<String, Long> byResult = new LinkedHashMap<>();
      for (LiveView.DnsLoad entry : pool.dns()) {
        Labels labels = Labels.of("pool", pool.name(), "name", entry.name());
        age.dataPoint(gauge(entry.lastSuccessAgeMillis() / 1000.0, labels));
        addresses.dataPoint(gauge(entry.addresses().size(), labels));
        entry.results().forEach((result, count) -> byResult.merge(result, count, Long::sum));
      }
      byResult.forEach(
          (result, count) ->
              resolutions.dataPoint(
                  CounterDataPointSnapshot.builder()
                      .value(count)
                      .labels(Labels.of("pool", pool.name(), "result", result))
                      .build()));
    }
    metrics.metricSnapshot(resolutions.build());
    metrics.metricSnapshot(age.build());
    metrics.metricSnapshot(addresses.build());
  }

  private static GaugeDataPointSnapshot gauge(double value, Labels labels) {
    return GaugeDataPointSnapshot.builder().value(value).labels(labels).build();
  }
}
