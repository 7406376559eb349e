package io.sluice.admin;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.sluice.observe.LiveView;
import java.util.function.Supplier;

/**
 * Sluice's metrics, read from one {@link LiveView} per scrape so that every figure of a scrape
 * comes from the same walk over the live counters. Labels are listener, pool, server, state and
 * event loop: bounded by the configuration, never by clients or paths.
 */
final class SluiceCollector implements MultiCollector {
  private static final String[] STATES = {"up", "down", "drain", "maint"};

  private final Supplier<LiveView> view;

  SluiceCollector(Supplier<LiveView> view) {
    this.view = view;
  }

  @Override
  public MetricSnapshots collect() {
    LiveView now = view.get();
    MetricSnapshots.Builder metrics = MetricSnapshots.builder();
    process(now, metrics);
    lifecycle(now.lifecycle(), metrics);
    listeners(now, metrics);
    pools(now, metrics);
    return metrics.build();
  }

  private static void process(LiveView now, MetricSnapshots.Builder metrics) {
    metrics.metricSnapshot(
        gauge("sluice_process_connections", "Client connections open in the process")
            .dataPoint(point(now.connections(), Labels.EMPTY))
            .build());
    metrics.metricSnapshot(
        gauge("sluice_process_max_connections", "The process-wide connection limit")
            .dataPoint(point(now.maxConnections(), Labels.EMPTY))
            .build());
    GaugeSnapshot.Builder loops =
        gauge("sluice_event_loop_connections", "Client connections on each event loop");
    for (int i = 0; i < now.loopConnections().length; i++) {
      loops.dataPoint(point(now.loopConnections()[i], Labels.of("loop", Integer.toString(i))));
    }
    metrics.metricSnapshot(loops.build());
  }

  private static void lifecycle(LiveView.Lifecycle now, MetricSnapshots.Builder metrics) {
    metrics.metricSnapshot(
        CounterSnapshot.builder()
            .name("sluice_reloads")
            .help("Configuration reloads, by outcome: applied, or refused (the old one stays)")
            .dataPoint(counter(now.reloads(), Labels.of("outcome", "applied")))
            .dataPoint(counter(now.failedReloads(), Labels.of("outcome", "refused")))
            .build());
    metrics.metricSnapshot(
        gauge("sluice_draining", "1 while the process drains after a stop or a handover")
            .dataPoint(point(now.draining() ? 1 : 0, Labels.EMPTY))
            .build());
    metrics.metricSnapshot(
        gauge(
                "sluice_draining_servers",
                "Servers a reload removed that still have connections open")
            .dataPoint(point(now.drainingServers(), Labels.EMPTY))
            .build());
  }

  private static void listeners(LiveView now, MetricSnapshots.Builder metrics) {
    GaugeSnapshot.Builder open = gauge("sluice_listener_connections", "Connections open now");
    GaugeSnapshot.Builder max =
        gauge("sluice_listener_max_connections", "The listener's connection limit");
    GaugeSnapshot.Builder rate =
        gauge(
            "sluice_listener_accept_rate_limit",
            "Accepted connections per second at most, 0: none");
    GaugeSnapshot.Builder paused =
        gauge("sluice_listener_paused", "1 while new connections wait in the kernel backlog");
    CounterSnapshot.Builder accepted =
        CounterSnapshot.builder()
            .name("sluice_listener_accepted")
            .help("Connections accepted since start");
    CounterSnapshot.Builder ended =
        CounterSnapshot.builder()
            .name("sluice_connections_ended")
            .help("Connections ended, by HAProxy-style termination state (-- is normal)");
    for (LiveView.ListenerLoad listener : now.listeners()) {
      Labels labels = Labels.of("listener", listener.name());
      open.dataPoint(point(listener.connections(), labels));
      max.dataPoint(point(listener.maxConnections(), labels));
      rate.dataPoint(point(listener.acceptRateLimit(), labels));
      paused.dataPoint(point(listener.paused() ? 1 : 0, labels));
      accepted.dataPoint(counter(listener.accepted(), labels));
      listener
          .terminations()
          .byCode()
          .forEach(
              (code, count) ->
                  ended.dataPoint(
                      counter(count, Labels.of("listener", listener.name(), "state", code))));
    }
    metrics.metricSnapshot(open.build());
    metrics.metricSnapshot(max.build());
    metrics.metricSnapshot(rate.build());
    metrics.metricSnapshot(paused.build());
    metrics.metricSnapshot(accepted.build());
    metrics.metricSnapshot(ended.build());
    http(now, metrics);
  }

  private static void http(LiveView now, MetricSnapshots.Builder metrics) {
    CounterSnapshot.Builder responses =
        CounterSnapshot.builder()
            .name("sluice_http_responses")
            .help("HTTP responses sent, by status class");
    CounterSnapshot.Builder overload =
        CounterSnapshot.builder()
            .name("sluice_http_overload_answers")
            .help("Requests answered at once with the overload status (429/503)");
    CounterSnapshot.Builder retries =
        CounterSnapshot.builder()
            .name("sluice_http_retries")
            .help("Requests sent again to another server");
    CounterSnapshot.Builder full =
        CounterSnapshot.builder()
            .name("sluice_http_full_replays")
            .help("Requests replayed because a server answered that it was full");
    CounterSnapshot.Builder rejected =
        CounterSnapshot.builder()
            .name("sluice_http_rejected_requests")
            .help("Requests refused as malformed or over a limit (400, 414, 431)");
    for (LiveView.ListenerLoad listener : now.listeners()) {
      LiveView.HttpLoad http = listener.http();
      if (http == null) {
        continue;
      }
      Labels labels = Labels.of("listener", listener.name());
      for (int statusClass = 1; statusClass <= 5; statusClass++) {
        responses.dataPoint(
            counter(
                http.responses()[statusClass],
                Labels.of("listener", listener.name(), "class", statusClass + "xx")));
      }
      overload.dataPoint(counter(http.overloadAnswers(), labels));
      retries.dataPoint(counter(http.retries(), labels));
      full.dataPoint(counter(http.fullReplays(), labels));
      rejected.dataPoint(counter(http.rejected(), labels));
    }
    metrics.metricSnapshot(responses.build());
    metrics.metricSnapshot(overload.build());
    metrics.metricSnapshot(retries.build());
    metrics.metricSnapshot(full.build());
    metrics.metricSnapshot(rejected.build());
  }

  private static void pools(LiveView now, MetricSnapshots.Builder metrics) {
    GaugeSnapshot.Builder queued = gauge("sluice_pool_queue_length", "Connections waiting now");
    GaugeSnapshot.Builder queueMax = gauge("sluice_pool_queue_max", "The queue's limit");
    GaugeSnapshot.Builder retriesLeft =
        gauge("sluice_pool_retry_budget_left", "Retries the budget still allows now");
    CounterSnapshot.Builder retries =
        CounterSnapshot.builder().name("sluice_pool_retries").help("Retries since start");
    GaugeSnapshot.Builder active = gauge("sluice_server_active_connections", "Open now");
    GaugeSnapshot.Builder serverMax =
        gauge("sluice_server_max_connections", "The server's limit, 0: none");
    GaugeSnapshot.Builder weight = gauge("sluice_server_weight", "The weight in use now");
    GaugeSnapshot.Builder latency =
        gauge("sluice_server_latency_seconds", "Averaged connect and check latency");
    GaugeSnapshot.Builder state =
        gauge("sluice_server_state", "1 for the server's current state, 0 for the others");
    CounterSnapshot.Builder total =
        CounterSnapshot.builder()
            .name("sluice_server_connections")
            .help("Connections sent to the server since start");
    for (LiveView.PoolLoad pool : now.pools()) {
      Labels poolLabels = Labels.of("pool", pool.name());
      queued.dataPoint(point(pool.queued(), poolLabels));
      queueMax.dataPoint(point(pool.queueMax(), poolLabels));
      retriesLeft.dataPoint(point(pool.retriesLeft(), poolLabels));
      retries.dataPoint(counter(pool.retries(), poolLabels));
      for (LiveView.ServerLoad server : pool.servers()) {
        Labels labels = Labels.of("pool", pool.name(), "server", server.name());
        active.dataPoint(point(server.active(), labels));
        serverMax.dataPoint(point(server.maxConnections(), labels));
        weight.dataPoint(point(server.weight(), labels));
        latency.dataPoint(point(server.latencyMillis() / 1000, labels));
        total.dataPoint(counter(server.total(), labels));
        for (String candidate : STATES) {
          state.dataPoint(
              point(
                  candidate.equals(server.state()) ? 1 : 0,
                  Labels.of("pool", pool.name(), "server", server.name(), "state", candidate)));
        }
      }
    }
    for (GaugeSnapshot.Builder gauge :
        new GaugeSnapshot.Builder[] {
          queued, queueMax, retriesLeft, active, serverMax, weight, latency, state
        }) {
      metrics.metricSnapshot(gauge.build());
    }
    metrics.metricSnapshot(retries.build());
    metrics.metricSnapshot(total.build());
  }

  private static GaugeSnapshot.Builder gauge(String name, String help) {
    return GaugeSnapshot.builder().name(name).help(help);
  }

  private static GaugeDataPointSnapshot point(double value, Labels labels) {
    return GaugeDataPointSnapshot.builder().value(value).labels(labels).build();
  }

  private static CounterDataPointSnapshot counter(double value, Labels labels) {
    return CounterDataPointSnapshot.builder().value(value).labels(labels).build();
  }
}
