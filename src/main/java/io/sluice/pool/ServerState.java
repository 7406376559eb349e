package io.sluice.pool;

/** The administrative and health state of a server. */
public enum ServerState {
  /** Takes new connections. */
  UP,
  /** Failed its health checks: no new connections. */
  DOWN,
  /** No new connections; existing ones run to their end. */
  DRAIN,
  /** Under maintenance: no new connections, and not health-checked. */
  MAINT
}
