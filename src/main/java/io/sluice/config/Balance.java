package io.sluice.config;

import com.fasterxml.jackson.annotation.JsonProperty;

/** The balancing algorithms a pool can name; the YAML word is the lower-case name. */
public enum Balance {
  @JsonProperty("round_robin")
  ROUND_ROBIN
}
