package io.sluice.config;

import java.time.Duration;

/**
 * The event-loop watchdog: each loop ticks, a thread of its own notices a tick that is late.
 *
 * @param tick time between two ticks of a loop; a loop's lag is measured this often
 * @param stall how late a tick may be before the loop counts as stalled, is logged once with the
 *     stack it is stuck in, and is counted
 */
public record WatchdogConfig(Duration tick, Duration stall) {
  /** 100 ms: ten cheap tasks a second per loop, and a lag figure fresh enough for a dashboard. */
  public static final Duration DEFAULT_TICK = Duration.ofMillis(100);

  /**
   * 500 ms: at 4,000 new connections a second a loop blocked that long holds back 1,000 of them,
   * well past anything a healthy loop does; a ZGC pause is under a millisecond.
   */
  public static final Duration DEFAULT_STALL = Duration.ofMillis(500);

  public static final WatchdogConfig DEFAULT = new WatchdogConfig(null, null);

  public WatchdogConfig {
    tick = tick == null ? DEFAULT_TICK : tick;
    stall = stall == null ? DEFAULT_STALL : stall;
  }
}
