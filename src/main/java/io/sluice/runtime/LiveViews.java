package io.sluice.runtime;

import io.sluice.config.Config;
import io.sluice.config.ListenerConfig;
import io.sluice.config.Protocol;
import io.sluice.health.SelfProbe;
import io.sluice.net.AcceptGate;
import io.sluice.net.LoopLoad;
import io.sluice.net.ProcessAdmission;
import io.sluice.observe.LiveView;
import io.sluice.pool.AdaptiveLimit;
import io.sluice.pool.DurationHistogram;
import io.sluice.pool.Pool;
import io.sluice.pool.Server;
import io.sluice.pool.ServerStats;
import io.sluice.proxy.http.HttpStats;
import io.sluice.proxy.tcp.RelayStats;
import io.sluice.tls.CertificateStats;
import io.sluice.tls.TlsStats;
import io.sluice.tls.TlsTerminator;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Builds the {@link LiveView} of a graph: one walk over its live counters. Servers a reload removed
 * are listed (as {@code drain}) until their last connection ends.
 */
final class LiveViews {
  private LiveViews() {}

  /**
   * The parts of the view that live outside the graph: loops, access log, udp, fleet, the pools'
   * DNS entries (by pool), spans.
   */
  record Rest(
      double[] loopLagMillis,
      long[] loopStalls,
      double loopStallMillis,
      LiveView.AccessLogLoad accessLog,
      List<LiveView.UdpListenerLoad> udpListeners,
      LiveView.UdpBuffersLoad udpBuffers,
      LiveView.ClusterLoad cluster,
      Map<String, List<LiveView.DnsLoad>> dns,
      LiveView.SpansLoad spans,
      LiveView.PipesLoad pipes) {}

  /**
   * The view of {@code now}; {@code lifecycle}'s draining-server count is filled in here, from the
   * pools.
   */
  static LiveView of(
      Graph now,
      ProcessAdmission admission,
      LoopLoad loopLoad,
      SelfProbe selfProbe,
      Rest rest,
      LiveView.Lifecycle lifecycle) {
    List<LiveView.ListenerLoad> listenerLoads = new ArrayList<>();
    for (LiveListener listener : now.listeners().values()) {
      AcceptGate gate = listener.listener().gate();
      Map<String, Long> codes = new LinkedHashMap<>();
      RelayStats relay = listener.relay();
      (relay != null ? relay.terminations() : listener.http().terminations())
          .snapshot()
          .forEach((state, count) -> codes.put(state.code(), count));
      listenerLoads.add(
          new LiveView.ListenerLoad(
              listener.name(),
              gate.connections().open(),
              gate.connections().max(),
              gate.rateLimit(),
              gate.accepted(),
              gate.paused(),
              new LiveView.TerminationCounts(codes),
              tlsLoad(listener.tls()),
              httpLoad(listener.http()),
              selfProbe == null ? null : selfProbe.result(listener.name()),
              relay == null
                  ? null
                  : new LiveView.SpliceLoad(
                      relay.spliced(), relay.splicesWithoutPipe(), relay.splicesFailed())));
    }
    List<LiveView.PoolLoad> poolLoads = new ArrayList<>();
    Set<String> httpPools = httpPools(now.config());
    int drainingServers = 0;
    for (Pool pool : now.pools().values()) {
      List<LiveView.ServerLoad> serverLoads = new ArrayList<>();
      List<Server> servers = new ArrayList<>(pool.servers());
      List<Server> leaving = pool.leavingServers();
      drainingServers += leaving.size();
      servers.addAll(leaving);
      for (Server server : servers) {
        serverLoads.add(
            new LiveView.ServerLoad(
                server.name(),
                server.state().name().toLowerCase(Locale.ROOT),
                server.active(),
                server.maxConnections(),
                server.weight(),
                server.totalConnections(),
                server.latencyNanos() / 1e6,
                server.ejected(),
                server.remoteActive(),
                server.localLimit(),
                learned(server.adaptive()),
                timings(server.stats()),
                responses(server.stats())));
      }
      poolLoads.add(
          new LiveView.PoolLoad(
              pool.name(),
              pool.queue().length(),
              pool.queue().max(),
              pool.retryBudget().granted(),
              Math.max(0, pool.retryBudget().retriesLeft()),
              httpPools.contains(pool.name()),
              serverLoads,
              Math.max(0, pool.drainRate().perSecond()),
              pool.refusedEarly(),
              rest.dns().getOrDefault(pool.name(), List.of())));
    }
    return new LiveView(
        admission.connections().open(),
        admission.connections().max(),
        loopLoad.snapshot(),
        rest.loopLagMillis(),
        rest.loopStalls(),
        rest.loopStallMillis(),
        listenerLoads,
        poolLoads,
        rest.accessLog(),
        rest.udpListeners(),
        rest.udpBuffers(),
        new LiveView.BufferMemoryLoad(
            admission.memory().used(),
            admission.memory().budget(),
            admission.memory().reserve(),
            admission.memory().refusals()),
        rest.cluster(),
        rest.spans(),
        new LiveView.Lifecycle(
            lifecycle.reloads(), lifecycle.failedReloads(), lifecycle.draining(), drainingServers),
        rest.pipes());
  }

  private static LiveView.HttpLoad httpLoad(HttpStats http) {
    if (http == null) {
      return null;
    }
    long[] responses = new long[6];
    long[] localAnswers = new long[6];
    for (int statusClass = 1; statusClass <= 5; statusClass++) {
      responses[statusClass] = http.responses(statusClass);
      localAnswers[statusClass] = http.localAnswers(statusClass);
    }
    return new LiveView.HttpLoad(
        responses,
        localAnswers,
        http.overloadAnswers(),
        http.retries(),
        http.fullReplays(),
        http.rejectedRequests());
  }

  /** The pools an http or https listener sends requests to, by its routes or as its default. */
  private static Set<String> httpPools(Config config) {
    Set<String> pools = new HashSet<>();
    for (ListenerConfig listener : config.listeners()) {
      if (listener.protocol() == Protocol.HTTP || listener.protocol() == Protocol.HTTPS) {
        if (listener.pool() != null) {
          pools.add(listener.pool());
        }
        listener.routes().forEach(route -> pools.add(route.pool()));
      }
    }
    return pools;
  }

  private static LiveView.ServerTimings timings(ServerStats stats) {
    return new LiveView.ServerTimings(
        stats.queueWait().boundsSeconds(),
        counts(stats.queueWait()),
        counts(stats.connect()),
        counts(stats.requestBody()),
        counts(stats.responseBody()),
        counts(stats.firstByte()));
  }

  private static LiveView.DurationCounts counts(DurationHistogram histogram) {
    return new LiveView.DurationCounts(histogram.counts(), histogram.sumNanos() / 1e9);
  }

  private static long[] responses(ServerStats stats) {
    long[] responses = new long[6];
    for (int statusClass = 0; statusClass < responses.length; statusClass++) {
      responses[statusClass] = stats.responses(statusClass);
    }
    return responses;
  }

  private static LiveView.TlsLoad tlsLoad(TlsTerminator terminator) {
    if (terminator == null) {
      return null;
    }
    TlsStats tls = terminator.stats();
    CertificateStats certificates = terminator.certificateStats();
    java.util.Map<String, Long> expiry = new java.util.TreeMap<>();
    java.time.Instant now = java.time.Instant.now();
    terminator
        .certificateExpiries()
        .forEach((name, at) -> expiry.put(name, java.time.Duration.between(now, at).toSeconds()));
    return new LiveView.TlsLoad(
        tls.signer(),
        tls.fullHandshakes(),
        tls.resumedHandshakes(),
        tls.failedHandshakes(),
        tls.shedHandshakes(),
        java.util.Map.of(
            "succeeded", certificates.ordersSucceeded(), "failed", certificates.ordersFailed()),
        java.util.Map.of(
            "succeeded", certificates.ocspSucceeded(), "failed", certificates.ocspFailed()),
        expiry);
  }

  private static LiveView.Learned learned(AdaptiveLimit limit) {
    return limit == null
        ? null
        : new LiveView.Learned(
            limit.limit(),
            limit.min(),
            limit.max(),
            limit.noLoadRttNanos() / 1e6,
            limit.shortRttNanos() / 1e6);
  }
}
