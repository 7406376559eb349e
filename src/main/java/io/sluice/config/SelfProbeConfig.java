package io.sluice.config;

import java.time.Duration;

/**
 * Sluice connecting to its own listeners, as a client would, to prove they answer: a connect on
 * {@code tcp} listeners (after the PROXY header a listener requires), a full handshake on {@code
 * tls} ones. {@code /readyz} answers 200 only while every listener's last probe passed.
 *
 * @param enabled whether probes run; without them readiness follows the process state only. Off by
 *     default: a probe is a real connection, indistinguishable from a client's in the access log,
 *     the accept count and the termination counts (an SNI-routing listener counts each as {@code
 *     CR}), and it reaches a server of the pool every interval
 * @param interval time between two rounds of probes
 * @param timeout how long one probe may take before it failed
 */
public record SelfProbeConfig(Boolean enabled, Duration interval, Duration timeout) {
  /**
   * Five seconds: an orchestrator polling readiness every few seconds sees a fresh result, while a
   * probe costs each listener's pool one short connection per interval.
   */
  public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(5);

  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(2);

  public static final SelfProbeConfig DEFAULT = new SelfProbeConfig(null, null, null);

  public SelfProbeConfig {
    enabled = enabled != null && enabled;
    interval = interval == null ? DEFAULT_INTERVAL : interval;
    timeout = timeout == null ? DEFAULT_TIMEOUT : timeout;
  }
}
