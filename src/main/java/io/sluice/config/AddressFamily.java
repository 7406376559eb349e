package io.sluice.config;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Which address records a DNS entry asks for. */
public enum AddressFamily {
  /** A and AAAA records: IPv4 and IPv6 servers alike. */
  @JsonProperty("any")
  ANY,
  /** A records only. */
  @JsonProperty("ipv4")
  IPV4,
  /** AAAA records only. */
  @JsonProperty("ipv6")
  IPV6
}
