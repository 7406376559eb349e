package io.sluice.runtime;

import io.sluice.config.Config;
import io.sluice.pool.Pool;
import io.sluice.proxy.http.Upstream;
import java.util.List;
import java.util.Map;

/**
 * The live graph built from one configuration, applied with its DNS entries resolved (each replaced
 * by the servers it resolved to, see {@link ServerDiscovery}): pools, their HTTP faces, TCP-based
 * listeners, and the TLS towards each pool's servers ({@code pools[].tls}), by name in configured
 * order. Udp listeners live outside it: they are built at start only. Immutable; the control thread
 * publishes a new one after each reload, and the admin thread reads whichever is current.
 */
record Graph(
    Config config,
    Map<String, Pool> pools,
    Map<String, Upstream> upstreams,
    Map<String, LiveListener> listeners,
    Map<String, ServerTlsBridge> serverTls) {

  static final Config EMPTY =
      new Config(
          List.of(), List.of(), null, null, null, null, null, null, null, null, null, null, null,
          null, null);

  static Graph empty() {
    return new Graph(EMPTY, Map.of(), Map.of(), Map.of(), Map.of());
  }
}
