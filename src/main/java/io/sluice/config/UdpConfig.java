package io.sluice.config;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * How a {@code udp} listener turns datagrams into flows.
 *
 * @param affinity what identifies a flow: the client's address and port, or the SIP Call-ID
 * @param maxFlows flows held at once; a new flow beyond it evicts the one idle the longest
 * @param flowRate datagrams per second one flow may send towards its server; absent: no limit
 * @param serverRate datagrams per second this listener sends to any one server; absent: no limit
 * @param onServerDown what a flow does when its server goes down: move to another on its next
 *     message, or stick to it
 * @param maxDatagram the largest datagram relayed; a longer one is dropped and counted
 */
public record UdpConfig(
    Affinity affinity,
    Integer maxFlows,
    Rate flowRate,
    Rate serverRate,
    OnServerDown onServerDown,
    DataSize maxDatagram) {

  /**
   * 10,000: each flow holds one server-side socket (a file descriptor), so the bound stays under
   * the common 20k open-files limit together with a TCP listener's connections.
   */
  public static final int DEFAULT_MAX_FLOWS = 10_000;

  /**
   * 9,000 bytes: a jumbo frame. SIP over UDP stays under the path MTU (RFC 3261 §18.1.1 moves
   * larger requests to TCP), but responses with long Via and Record-Route lists can pass 1,500.
   */
  public static final DataSize DEFAULT_MAX_DATAGRAM = new DataSize(9_000);

  public static final UdpConfig DEFAULT = new UdpConfig(null, null, null, null, null, null);

  public UdpConfig {
    affinity = affinity == null ? Affinity.CLIENT : affinity;
    maxFlows = maxFlows == null ? DEFAULT_MAX_FLOWS : maxFlows;
    // Move: a flow stuck to a dead server loses every datagram, while a moved SIP dialog at worst
    // gets a 481 from its new server and is set up again by the endpoint.
    onServerDown = onServerDown == null ? OnServerDown.MOVE : onServerDown;
    maxDatagram = maxDatagram == null ? DEFAULT_MAX_DATAGRAM : maxDatagram;
  }

  /** What identifies a flow. */
  public enum Affinity {
    /** The client's address and port. */
    @JsonProperty("client")
    CLIENT,
    /**
     * The SIP {@code Call-ID} (or compact {@code i:}) header, so every message of a dialog reaches
     * one server whatever port it comes from; datagrams without one fall back to the address.
     */
    @JsonProperty("sip_call_id")
    SIP_CALL_ID
  }

  /** What a flow does when its server goes down or into maintenance. */
  public enum OnServerDown {
    /** Pick another server at the flow's next message. */
    @JsonProperty("move")
    MOVE,
    /** Keep sending to the same server until the flow ends. */
    @JsonProperty("stick")
    STICK
  }
}
