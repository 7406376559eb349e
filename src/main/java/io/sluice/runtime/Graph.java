package io.sluice.runtime;

import io.sluice.config.Config;
import io.sluice.pool.Pool;
import io.sluice.proxy.http.Upstream;
import java.util.List;
import java.util.Map;

/**
 * The live graph built from one configuration: pools, their HTTP faces, and listeners, by name in
 * configured order. Immutable; the control thread publishes a new one after each reload, and the
 * admin thread reads whichever is current.
 */
record Graph(
    Config config,
    Map<String, Pool> pools,
    Map<String, Upstream> upstreams,
    Map<String, LiveListener> listeners) {

  static final Config EMPTY = new Config(List.of(), List.of(), null, null, null, null, null);

  static Graph empty() {
    return new Graph(EMPTY, Map.of(), Map.of(), Map.of());
  }
}
