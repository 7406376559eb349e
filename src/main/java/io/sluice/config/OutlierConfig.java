package io.sluice.config;

import java.time.Duration;

/**
 * Passive health: ejecting a server whose live connections keep failing before an active check
 * notices.
 *
 * @param consecutiveFailures failed connections in a row (refused, timed out, reset before any
 *     byte) that eject a server; 0 turns detection off
 * @param baseEjection how long the first ejection lasts; each further one doubles it
 * @param maxEjection the longest an ejection lasts
 * @param maxEjected the largest share of the pool that may be ejected at once, so a failure of the
 *     network in between cannot empty the pool
 */
public record OutlierConfig(
    Integer consecutiveFailures, Duration baseEjection, Duration maxEjection, Percent maxEjected) {

  /** Five: rare enough not to eject on a blip, quick enough to spare clients a dead server. */
  public static final int DEFAULT_CONSECUTIVE_FAILURES = 5;

  public static final Duration DEFAULT_BASE_EJECTION = Duration.ofSeconds(10);
  public static final Duration DEFAULT_MAX_EJECTION = Duration.ofMinutes(5);
  public static final Percent DEFAULT_MAX_EJECTED = new Percent(50);

  public static final OutlierConfig DEFAULT = new OutlierConfig(null, null, null, null);

  public OutlierConfig {
    consecutiveFailures =
        consecutiveFailures == null ? DEFAULT_CONSECUTIVE_FAILURES : consecutiveFailures;
    baseEjection = baseEjection == null ? DEFAULT_BASE_EJECTION : baseEjection;
    maxEjection = maxEjection == null ? DEFAULT_MAX_EJECTION : maxEjection;
    maxEjected = maxEjected == null ? DEFAULT_MAX_EJECTED : maxEjected;
  }
}
