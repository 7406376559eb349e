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
 * event loop: bounded by the configuration, never by clients or paths. A server a reload removed
 * keeps its series while it drains (the view lists it) and loses them with its last connection.
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
    ServerMetrics.add(now, metrics);
    DnsMetrics.add(now, metrics);
    udp(now, metrics);
    bufferMemory(now.bufferMemory(), metrics);
    if (now.cluster() != null) {
      cluster(now.cluster(), metrics);
    }
    if (now.spans() != null) {
      metrics.metricSnapshot(
          CounterSnapshot.builder()
              .name("sluice_spans_exported")
              .help("Spans of slow or failed requests the collector accepted")
              .dataPoint(counter(now.spans().exported(), Labels.EMPTY))
              .build());
      metrics.metricSnapshot(
          CounterSnapshot.builder()
              .name("sluice_spans_dropped")
              .help("Spans dropped: queue full, or the collector refused or did not answer")
              .dataPoint(counter(now.spans().dropped(), Labels.EMPTY))
              .build());
    }
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
    GaugeSnapshot.Builder lag =
        gauge(
            "sluice_event_loop_lag_seconds",
            "How late the loop's last watchdog tick ran, or how overdue it is while stalled");
    CounterSnapshot.Builder stalls =
        CounterSnapshot.builder()
            .name("sluice_event_loop_stalls")
            .help("Stalls past the watchdog's limit, each logged with the loop's stack");
    for (int i = 0; i < now.loopLagMillis().length; i++) {
      Labels loop = Labels.of("loop", Integer.toString(i));
      lag.dataPoint(point(now.loopLagMillis()[i] / 1000, loop));
      stalls.dataPoint(counter(now.loopStalls()[i], loop));
    }
    metrics.metricSnapshot(lag.build());
    metrics.metricSnapshot(stalls.build());
    LiveView.AccessLogLoad log = now.accessLog();
    metrics.metricSnapshot(
        CounterSnapshot.builder()
            .name("sluice_access_log_lines")
            .help("Access-log lines written")
            .dataPoint(counter(log.written(), Labels.EMPTY))
            .build());
    metrics.metricSnapshot(
        CounterSnapshot.builder()
            .name("sluice_access_log_dropped")
            .help("Access-log lines dropped: the queue was full or the destination failed")
            .dataPoint(counter(log.dropped(), Labels.EMPTY))
            .build());
    metrics.metricSnapshot(
        gauge("sluice_access_log_queue_length", "Access-log lines waiting for the writer")
            .dataPoint(point(log.queued(), Labels.EMPTY))
            .build());
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
    probes(now, metrics);
    certificates(now, metrics);
    splice(now, metrics);
  }

  private static void certificates(LiveView now, MetricSnapshots.Builder metrics) {
    CounterSnapshot.Builder orders =
        counter("sluice_acme_orders", "ACME certificate orders, by result (succeeded, failed)");
    CounterSnapshot.Builder ocsp =
        counter("sluice_ocsp_refresh", "OCSP responses fetched for stapling, by result");
    GaugeSnapshot.Builder expiry =
        gauge(
            "sluice_certificate_expiry_seconds",
            "Seconds until a served certificate expires, negative once it has");
    boolean any = false;
    for (LiveView.ListenerLoad listener : now.listeners()) {
      LiveView.TlsLoad tls = listener.tls();
      if (tls == null) {
        continue;
      }
      any = true;
      String name = listener.name();
      tls.acmeOrders()
          .forEach(
              (result, count) ->
                  orders.dataPoint(counter(count, Labels.of("listener", name, "result", result))));
      tls.ocspRefreshes()
          .forEach(
              (result, count) ->
                  ocsp.dataPoint(counter(count, Labels.of("listener", name, "result", result))));
      tls.certificateExpiry()
          .forEach(
              (certificate, seconds) ->
                  expiry.dataPoint(
                      point(seconds, Labels.of("listener", name, "name", certificate))));
    }
    if (any) {
      metrics.metricSnapshot(orders.build());
      metrics.metricSnapshot(ocsp.build());
      metrics.metricSnapshot(expiry.build());
    }
  }

  private static void splice(LiveView now, MetricSnapshots.Builder metrics) {
    CounterSnapshot.Builder spliced =
        counter(
            "sluice_spliced_connections",
            "Connections whose bytes moved with splice(2), socket to socket, from some point on");
    CounterSnapshot.Builder fallbacks =
        counter(
            "sluice_splice_fallbacks",
            "Connections that were to be spliced but went on copying, by reason");
    for (LiveView.ListenerLoad listener : now.listeners()) {
      LiveView.SpliceLoad splice = listener.splice();
      if (splice == null) {
        continue;
      }
      spliced.dataPoint(counter(splice.spliced(), Labels.of("listener", listener.name())));
      fallbacks.dataPoint(
          counter(splice.noPipe(), Labels.of("listener", listener.name(), "reason", "no_pipe")));
      fallbacks.dataPoint(
          counter(splice.failed(), Labels.of("listener", listener.name(), "reason", "failed")));
    }
    metrics.metricSnapshot(spliced.build());
    metrics.metricSnapshot(fallbacks.build());
    metrics.metricSnapshot(
        gauge("sluice_pipes", "Pipes spliced connections hold now, two each")
            .dataPoint(point(now.pipes().inUse(), Labels.EMPTY))
            .build());
    metrics.metricSnapshot(
        gauge("sluice_max_pipes", "The pipes splicing may hold at once (max_pipes)")
            .dataPoint(point(now.pipes().max(), Labels.EMPTY))
            .build());
  }

  private static void http(LiveView now, MetricSnapshots.Builder metrics) {
    CounterSnapshot.Builder responses =
        counter("sluice_http_responses", "HTTP responses sent, by status class");
    CounterSnapshot.Builder local =
        counter(
            "sluice_http_local_answers",
            "Of the responses sent, those Sluice wrote itself (overload, no route, errors), by class");
    CounterSnapshot.Builder overload =
        counter(
            "sluice_http_overload_answers",
            "Requests answered at once with the overload status (429/503)");
    CounterSnapshot.Builder retries =
        counter("sluice_http_retries", "Requests sent again to another server");
    CounterSnapshot.Builder full =
        counter(
            "sluice_http_full_replays",
            "Requests replayed because a server answered that it was full");
    CounterSnapshot.Builder rejected =
        counter(
            "sluice_http_rejected_requests",
            "Requests refused as malformed or over a limit (400, 414, 431)");
    for (LiveView.ListenerLoad listener : now.listeners()) {
      LiveView.HttpLoad http = listener.http();
      if (http == null) {
        continue;
      }
      Labels labels = Labels.of("listener", listener.name());
      for (int statusClass = 1; statusClass <= 5; statusClass++) {
        Labels byClass = Labels.of("listener", listener.name(), "class", statusClass + "xx");
        responses.dataPoint(counter(http.responses()[statusClass], byClass));
        local.dataPoint(counter(http.localAnswers()[statusClass], byClass));
      }
      overload.dataPoint(counter(http.overloadAnswers(), labels));
      retries.dataPoint(counter(http.retries(), labels));
      full.dataPoint(counter(http.fullReplays(), labels));
      rejected.dataPoint(counter(http.rejected(), labels));
    }
    metrics.metricSnapshot(responses.build());
    metrics.metricSnapshot(local.build());
    metrics.metricSnapshot(overload.build());
    metrics.metricSnapshot(retries.build());
    metrics.metricSnapshot(full.build());
    metrics.metricSnapshot(rejected.build());
  }

  private static void probes(LiveView now, MetricSnapshots.Builder metrics) {
    GaugeSnapshot.Builder up =
        gauge("sluice_listener_probe_up", "1 when the last self-probe of the listener passed");
    GaugeSnapshot.Builder seconds =
        gauge("sluice_listener_probe_seconds", "How long the last self-probe took");
    CounterSnapshot.Builder failures =
        CounterSnapshot.builder()
            .name("sluice_listener_probe_failures")
            .help("Self-probes of the listener that failed");
    for (LiveView.ListenerLoad listener : now.listeners()) {
      LiveView.ProbeLoad probe = listener.probe();
      if (probe == null) {
        continue;
      }
      Labels labels = Labels.of("listener", listener.name());
      up.dataPoint(point(probe.ok() ? 1 : 0, labels));
      seconds.dataPoint(point(probe.millis() / 1000, labels));
      failures.dataPoint(counter(probe.failures(), labels));
    }
    metrics.metricSnapshot(up.build());
    metrics.metricSnapshot(seconds.build());
    metrics.metricSnapshot(failures.build());
  }

  private static void pools(LiveView now, MetricSnapshots.Builder metrics) {
    GaugeSnapshot.Builder queued = gauge("sluice_pool_queue_length", "Connections waiting now");
    GaugeSnapshot.Builder queueMax = gauge("sluice_pool_queue_max", "The queue's limit");
    GaugeSnapshot.Builder retriesLeft =
        gauge("sluice_pool_retry_budget_left", "Retries the budget still allows now");
    CounterSnapshot.Builder retries =
        CounterSnapshot.builder().name("sluice_pool_retries").help("Retries since start");
    GaugeSnapshot.Builder drain =
        gauge(
            "sluice_pool_drain_rate",
            "Slots given back per second while connections waited (0: not measured yet)");
    CounterSnapshot.Builder refusedEarly =
        CounterSnapshot.builder()
            .name("sluice_pool_queue_refused_early")
            .help("Connections refused at once: the queue would not have served them in time");
    GaugeSnapshot.Builder active = gauge("sluice_server_active_connections", "Open now");
    GaugeSnapshot.Builder serverMax =
        gauge(
            "sluice_server_max_connections",
            "The server's limit in force (configured or learned, capped by push-back), 0: none");
    GaugeSnapshot.Builder remote =
        gauge(
            "sluice_server_remote_active_connections",
            "Open now by the other fleet instances (scope: cluster pools)");
    GaugeSnapshot.Builder localLimit =
        gauge(
            "sluice_server_local_max_connections",
            "The limit this instance enforces: the configured one or its fleet lease");
    GaugeSnapshot.Builder learned =
        gauge(
            "sluice_server_learned_max_connections",
            "max_connections: adaptive: the limit learned now, before push-back");
    GaugeSnapshot.Builder noLoad =
        gauge(
            "sluice_server_no_load_round_trip_seconds",
            "max_connections: adaptive: the server's round trip without load, as learned");
    GaugeSnapshot.Builder recent =
        gauge(
            "sluice_server_recent_round_trip_seconds",
            "max_connections: adaptive: the short-term average round trip the limit learns from");
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
      drain.dataPoint(point(pool.drainPerSecond(), poolLabels));
      refusedEarly.dataPoint(counter(pool.refusedEarly(), poolLabels));
      for (LiveView.ServerLoad server : pool.servers()) {
        Labels labels = Labels.of("pool", pool.name(), "server", server.name());
        active.dataPoint(point(server.active(), labels));
        serverMax.dataPoint(point(server.maxConnections(), labels));
        remote.dataPoint(point(server.remoteActive(), labels));
        localLimit.dataPoint(point(server.localLimit(), labels));
        if (server.learned() != null) {
          learned.dataPoint(point(server.learned().limit(), labels));
          noLoad.dataPoint(point(server.learned().noLoadMillis() / 1000, labels));
          recent.dataPoint(point(server.learned().recentMillis() / 1000, labels));
        }
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
          queued,
          queueMax,
          retriesLeft,
          drain,
          active,
          serverMax,
          remote,
          localLimit,
          learned,
          noLoad,
          recent,
          weight,
          latency,
          state
        }) {
      metrics.metricSnapshot(gauge.build());
    }
    metrics.metricSnapshot(retries.build());
    metrics.metricSnapshot(refusedEarly.build());
    metrics.metricSnapshot(total.build());
  }

  private static void udp(LiveView now, MetricSnapshots.Builder metrics) {
    if (now.udpBuffers() == null) {
      return;
    }
    GaugeSnapshot.Builder flows = gauge("sluice_udp_flows", "UDP flows held now");
    GaugeSnapshot.Builder maxFlows = gauge("sluice_udp_max_flows", "The listener's max_flows");
    CounterSnapshot.Builder created = counter("sluice_udp_flows_opened", "UDP flows opened");
    CounterSnapshot.Builder evictions =
        counter("sluice_udp_flow_evictions", "UDP flows evicted to make room for new ones (RD)");
    CounterSnapshot.Builder moves =
        counter("sluice_udp_flows_moved", "UDP flows moved off a server that went down (DD)");
    CounterSnapshot.Builder ended =
        counter("sluice_udp_flows_ended", "UDP flows ended, by termination state");
    CounterSnapshot.Builder drops =
        counter("sluice_udp_dropped_datagrams", "Datagrams not relayed, by reason");
    CounterSnapshot.Builder datagrams =
        counter("sluice_udp_datagrams", "Datagrams relayed, by direction");
    CounterSnapshot.Builder bytes = counter("sluice_udp_bytes", "Bytes relayed, by direction");
    for (LiveView.UdpListenerLoad listener : now.udpListeners()) {
      String name = listener.name();
      Labels labels = Labels.of("listener", name);
      flows.dataPoint(point(listener.flows(), labels));
      maxFlows.dataPoint(point(listener.maxFlows(), labels));
      created.dataPoint(counter(listener.flowsCreated(), labels));
      evictions.dataPoint(counter(listener.evictions(), labels));
      moves.dataPoint(counter(listener.moves(), labels));
      listener
          .terminations()
          .byCode()
          .forEach(
              (code, count) ->
                  ended.dataPoint(counter(count, Labels.of("listener", name, "state", code))));
      listener
          .drops()
          .forEach(
              (reason, count) ->
                  drops.dataPoint(counter(count, Labels.of("listener", name, "reason", reason))));
      Labels in = Labels.of("listener", name, "direction", "from_client");
      Labels out = Labels.of("listener", name, "direction", "to_client");
      datagrams.dataPoint(counter(listener.datagramsFromClients(), in));
      datagrams.dataPoint(counter(listener.datagramsToClients(), out));
      bytes.dataPoint(counter(listener.bytesFromClients(), in));
      bytes.dataPoint(counter(listener.bytesToClients(), out));
    }
    metrics.metricSnapshot(flows.build());
    metrics.metricSnapshot(maxFlows.build());
    for (CounterSnapshot.Builder counter :
        new CounterSnapshot.Builder[] {created, evictions, moves, ended, drops, datagrams, bytes}) {
      metrics.metricSnapshot(counter.build());
    }
    LiveView.UdpBuffersLoad buffers = now.udpBuffers();
    metrics.metricSnapshot(
        gauge("sluice_udp_buffers", "Datagram buffers preallocated, process-wide")
            .dataPoint(point(buffers.buffers(), Labels.EMPTY))
            .build());
    metrics.metricSnapshot(
        gauge("sluice_udp_buffers_in_use", "Datagram buffers holding a datagram now")
            .dataPoint(point(buffers.inUse(), Labels.EMPTY))
            .build());
    metrics.metricSnapshot(
        gauge("sluice_udp_buffers_reserve", "Datagram buffers only servers' replies may take")
            .dataPoint(point(buffers.reserve(), Labels.EMPTY))
            .build());
  }

  private static void bufferMemory(
      LiveView.BufferMemoryLoad memory, MetricSnapshots.Builder metrics) {
    metrics.metricSnapshot(
        gauge("sluice_buffer_memory_used_bytes", "Direct memory held for buffers now")
            .dataPoint(point(memory.usedBytes(), Labels.EMPTY))
            .build());
    metrics.metricSnapshot(
        gauge("sluice_buffer_memory_budget_bytes", "The budget of buffer memory")
            .dataPoint(point(memory.budgetBytes(), Labels.EMPTY))
            .build());
    metrics.metricSnapshot(
        gauge("sluice_buffer_memory_reserve_bytes", "Of the budget, what new work may not take")
            .dataPoint(point(memory.reserveBytes(), Labels.EMPTY))
            .build());
    metrics.metricSnapshot(
        counter(
                "sluice_buffer_memory_refusals",
                "Connections and requests refused because only the reserve was left")
            .dataPoint(counter(memory.refusals(), Labels.EMPTY))
            .build());
  }

  private static CounterSnapshot.Builder counter(String name, String help) {
    return CounterSnapshot.builder().name(name).help(help);
  }

  private static void cluster(LiveView.ClusterLoad cluster, MetricSnapshots.Builder metrics) {
    metrics.metricSnapshot(
        gauge("sluice_cluster_connected", "1 while Redis answers, 0 while local shares apply")
            .dataPoint(point(cluster.connected() ? 1 : 0, Labels.EMPTY))
            .build());
    metrics.metricSnapshot(
        CounterSnapshot.builder()
            .name("sluice_cluster_fallbacks")
            .help("Times Redis was lost and local shares took over")
            .dataPoint(counter(cluster.fallbacks(), Labels.EMPTY))
            .build());
    metrics.metricSnapshot(
        gauge(
                "sluice_cluster_instances",
                "Fleet instances alive at the last read, this one included")
            .dataPoint(point(cluster.instances().size(), Labels.EMPTY))
            .build());
    GaugeSnapshot.Builder age =
        gauge("sluice_cluster_instance_last_seen_age_seconds", "Since the instance last published");
    for (LiveView.InstanceLoad instance : cluster.instances()) {
      age.dataPoint(point(instance.ageMillis() / 1000.0, Labels.of("instance", instance.name())));
    }
    metrics.metricSnapshot(age.build());
    GaugeSnapshot.Builder leased =
        gauge(
            "sluice_listener_accept_rate_leased",
            "1 while fleet tokens are leased, 0: local share");
    GaugeSnapshot.Builder share =
        gauge("sluice_listener_accept_rate_local_share", "The local share in force, 0 when leased");
    for (LiveView.FleetRateLoad limit : cluster.limits()) {
      Labels labels = Labels.of("listener", limit.listener());
      leased.dataPoint(point(limit.leased() ? 1 : 0, labels));
      share.dataPoint(point(limit.localSharePerSecond(), labels));
    }
    metrics.metricSnapshot(leased.build());
    metrics.metricSnapshot(share.build());
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
