package io.sluice.proxy.udp;

/** Why a datagram was not relayed; the metric label is the lower-case name. */
public enum DropReason {
  /** A client's datagram found only the reserve of the buffer budget left: dropped at its read. */
  NO_BUFFER,
  /** A server's reply found the whole budget, reserve included, in use. */
  NO_BUFFER_REPLY,
  /** Longer than the listener's {@code max_datagram}. */
  TOO_BIG,
  /** The flow sent faster than the listener's {@code flow_rate}. */
  FLOW_RATE,
  /** The flow's server already received the listener's {@code server_rate} this second. */
  SERVER_RATE,
  /** No server was up with room for a new flow. */
  NO_SERVER,
  /** The server's host or port answered with an ICMP error, or the send to it failed. */
  SERVER_UNREACHABLE;

  /** The metric label. */
  public String label() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
