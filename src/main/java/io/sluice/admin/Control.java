package io.sluice.admin;

import io.sluice.observe.LiveView;

/** What the admin API may read and change; the runtime implements it. */
public interface Control {
  /** How close everything is to its limits, now. */
  LiveView view();

  /**
   * Sets a server's operator state: {@code up}, {@code drain} or {@code maint}.
   *
   * @return false when there is no such pool, server or state
   */
  boolean setServerState(String pool, String server, String state);

  /** Sets a server's weight, 1 to 256; false when there is no such pool or server. */
  boolean setServerWeight(String pool, String server, int weight);

  /** Whether Sluice serves traffic: started and not stopping. */
  boolean ready();
}
