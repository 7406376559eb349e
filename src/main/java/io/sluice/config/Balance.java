package io.sluice.config;

import com.fasterxml.jackson.annotation.JsonProperty;

/** The balancing algorithms a pool can name; the YAML word is the lower-case name. */
public enum Balance {
  /** Smooth weighted round robin. */
  @JsonProperty("round_robin")
  ROUND_ROBIN,
  /** Weighted least connections, random among ties. */
  @JsonProperty("least_conn")
  LEAST_CONN,
  /** Consistent hashing of the client address with bounded loads. */
  @JsonProperty("source_hash")
  SOURCE_HASH,
  /** Power of two random choices. */
  @JsonProperty("p2c")
  P2C,
  /** Fill servers in their configured order. */
  @JsonProperty("first")
  FIRST,
  /** The lowest measured latency, scaled by load. */
  @JsonProperty("closest")
  CLOSEST
}
