package io.sluice.admin;

import io.sluice.observe.LiveView;
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
}
