package io.sluice.runtime;

import io.sluice.health.SelfProbe;
import io.sluice.net.AcceptGate;
import io.sluice.net.LoopLoad;
import io.sluice.net.ProcessAdmission;
import io.sluice.observe.LiveView;
import io.sluice.pool.Pool;
import io.sluice.pool.Server;
import io.sluice.proxy.http.HttpStats;
import io.sluice.proxy.tcp.RelayStats;
import io.sluice.tls.TlsStats;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Builds the {@link LiveView} of a graph: one walk over its live counters. Servers a reload removed
 * are listed (as {@code drain}) until their last connection ends.
 */
final class LiveViews {
  private LiveViews() {}

  /** The parts of the view that live outside the graph: loops, access log, udp, fleet, spans. */
  record Rest(
      double[] loopLagMillis,
      long[] loopStalls,
      double loopStallMillis,
      LiveView.AccessLogLoad accessLog,
      List<LiveView.UdpListenerLoad> udpListeners,
      LiveView.UdpBuffersLoad udpBuffers,
      LiveView.ClusterLoad cluster,
      LiveView.SpansLoad spans) {}

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
              tlsLoad(listener.tls() == null ? null : listener.tls().stats()),
              httpLoad(listener.http()),
              selfProbe == null ? null : selfProbe.result(listener.name())));
    }
    List<LiveView.PoolLoad> poolLoads = new ArrayList<>();
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
                server.localLimit()));
      }
      poolLoads.add(
          new LiveView.PoolLoad(
              pool.name(),
              pool.queue().length(),
              pool.queue().max(),
              pool.retryBudget().granted(),
              Math.max(0, pool.retryBudget().retriesLeft()),
              serverLoads));
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
            lifecycle.reloads(), lifecycle.failedReloads(), lifecycle.draining(), drainingServers));
  }

  private static LiveView.HttpLoad httpLoad(HttpStats http) {
    if (http == null) {
      return null;
    }
    long[] responses = new long[6];
    for (int statusClass = 1; statusClass <= 5; statusClass++) {
      responses[statusClass] = http.responses(statusClass);
    }
    return new LiveView.HttpLoad(
        responses,
        http.overloadAnswers(),
        http.retries(),
        http.fullReplays(),
        http.rejectedRequests());
  }

  private static LiveView.TlsLoad tlsLoad(TlsStats tls) {
    return tls == null
        ? null
        : new LiveView.TlsLoad(
            tls.signer(),
            tls.fullHandshakes(),
            tls.resumedHandshakes(),
            tls.failedHandshakes(),
            tls.shedHandshakes());
  }
}
