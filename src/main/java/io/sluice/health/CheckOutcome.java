package io.sluice.health;

/**
 * The result of one active check.
 *
 * @param ok whether the server passed
 * @param reason what was seen, for the log line of a state change ({@code connect refused}, {@code
 *     status 503}, {@code timeout after 1000 ms}, {@code agent: drain})
 * @param agentState the state an agent asked for ({@code up}, {@code ready}, {@code drain}, {@code
 *     maint}), or null
 * @param agentWeightPercent the weight an agent asked for, in percent of the configured one, or -1
 */
record CheckOutcome(boolean ok, String reason, String agentState, int agentWeightPercent) {
  static CheckOutcome passed(String reason) {
    return new CheckOutcome(true, reason, null, -1);
  }

  static CheckOutcome failed(String reason) {
    return new CheckOutcome(false, reason, null, -1);
  }
}
