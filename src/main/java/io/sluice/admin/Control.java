package io.sluice.admin;

import io.sluice.config.Config;
import io.sluice.observe.LiveView;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;

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

  /** The configuration running now: the last one started or reloaded successfully. */
  RunningConfig runningConfig();

  /** Whether Sluice serves traffic: started and not stopping. */
  boolean ready();

  /**
   * Re-reads the configuration file and applies what changed, on the control thread; completes when
   * the reload was applied or refused.
   */
  CompletableFuture<ReloadResult> reload();

  /**
   * What a reload did.
   *
   * @param applied whether the new configuration is the running one now
   * @param summary what changed, for people
   * @param errors why it was refused: {@code file:line:column: key: message}, one per error
   */
  record ReloadResult(boolean applied, String summary, List<String> errors) {}

  /**
   * The configuration in force.
   *
   * @param generation 1 for the configuration Sluice started with, one more for each reload applied
   * @param file the file reloads re-read, or {@code null} when Sluice was started without one
   * @param loadedAt when it was applied
   * @param config the configuration, its defaults filled in
   */
  record RunningConfig(long generation, String file, Instant loadedAt, Config config) {}
}
