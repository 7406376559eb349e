package io.sluice.config;

import com.fasterxml.jackson.annotation.JsonProperty;

/** What a listener speaks; the YAML word is the lower-case name. */
public enum Protocol {
  @JsonProperty("tcp")
  TCP,
  @JsonProperty("tls")
  TLS,
  @JsonProperty("http")
  HTTP,
  @JsonProperty("https")
  HTTPS,
  @JsonProperty("udp")
  UDP
}
