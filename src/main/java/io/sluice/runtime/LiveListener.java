package io.sluice.runtime;

import io.sluice.config.ListenerConfig;
import io.sluice.net.Listener;
import io.sluice.proxy.http.HttpStats;
import io.sluice.proxy.tcp.RelayStats;
import io.sluice.tls.TlsTerminator;

/**
 * One configured listener as it runs: its configuration, sockets, figures and TLS. A reload that
 * keeps the listener keeps its sockets and figures and replaces the rest.
 *
 * @param relay the figures of a {@code tcp}/{@code tls} listener, else {@code null}
 * @param http the figures of an {@code http}/{@code https} listener, else {@code null}
 * @param tls its TLS termination, or {@code null}
 */
record LiveListener(
    ListenerConfig config, Listener listener, RelayStats relay, HttpStats http, TlsTerminator tls) {

  String name() {
    return config.name();
  }
}
