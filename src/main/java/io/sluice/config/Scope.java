package io.sluice.config;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Whether a limit or a load figure counts this instance alone or the whole fleet. */
public enum Scope {
  /** This Sluice instance alone. */
  @JsonProperty("local")
  LOCAL,
  /** Every instance sharing the {@code cluster} Redis: the limit is the fleet's total. */
  @JsonProperty("cluster")
  CLUSTER
}
