package io.sluice.config;

import com.fasterxml.jackson.annotation.JsonProperty;

/** The state an operator gives a server in the file; the YAML word is the lower-case name. */
public enum AdminState {
  /** Takes connections (health permitting). */
  @JsonProperty("up")
  UP,
  /** Takes no new connections; open ones run to their end. */
  @JsonProperty("drain")
  DRAIN,
  /** Takes no connections and is not health-checked. */
  @JsonProperty("maint")
  MAINT
}
