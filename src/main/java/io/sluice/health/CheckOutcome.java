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
 * @param agentMaxConnections the limit an agent set ({@code maxconn:N}; 0 lifts it), or -1
 */
record CheckOutcome(
    boolean ok, String reason, String agentState, int agentWeightPercent, int agentMaxConnections) {
  CheckOutcome(boolean ok, String reason, String agentState, int agentWeightPercent) {
    this(ok, reason, agentState, agentWeightPercent, -1);
  }

  static CheckOutcome passed(String reason) {
    return new CheckOutcome(true, reason, null, -1, -1);
  }

  static CheckOutcome failed(String reason) {
    return new CheckOutcome(false, reason, null, -1, -1);
  }
}
