package io.sluice.proxy.tcp;

import io.sluice.pool.Pool;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Which pool a TLS connection passed through goes to, by the server name in its ClientHello: an
 * exact name first, then the closest {@code *.domain} wildcard, else the listener's own pool.
 * Immutable; a lookup is at most a few hash lookups.
 */
public final class SniRoutes {
  private final Map<String, Pool> exact = new HashMap<>();
  private final Map<String, Pool> wildcard = new HashMap<>();
  private final Pool fallback;

  public SniRoutes(Pool fallback) {
    this.fallback = fallback;
  }

  /** Adds {@code name} (exact, or {@code *.example.com}) for {@code pool}; first one wins. */
  public SniRoutes route(String name, Pool pool) {
    String lower = name.toLowerCase(Locale.ROOT);
    if (lower.startsWith("*.")) {
      wildcard.putIfAbsent(lower.substring(2), pool);
    } else {
      exact.putIfAbsent(lower, pool);
    }
    return this;
  }

  /** The pool for {@code serverName}; the fallback for none or an unknown one. */
  Pool poolFor(String serverName) {
    if (serverName == null) {
      return fallback;
    }
    String name = serverName.toLowerCase(Locale.ROOT);
    Pool pool = exact.get(name);
    for (int dot = name.indexOf('.'); pool == null && dot >= 0; dot = name.indexOf('.', dot + 1)) {
      pool = wildcard.get(name.substring(dot + 1));
    }
    return pool == null ? fallback : pool;
  }
}
