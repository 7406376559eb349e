package io.sluice.config;

/**
 * The process-wide budget of datagram buffers, preallocated at start when any {@code udp} listener
 * exists.
 *
 * @param budget bytes of receive buffers in all; each buffer holds one datagram of its listener's
 *     {@code max_datagram}
 * @param reserve the share kept for servers' replies: new datagrams from clients are dropped early
 *     once only the reserve is left, so a flood cannot stop replies to calls in progress
 */
public record UdpBuffersConfig(DataSize budget, Percent reserve) {
  /**
   * 32 MiB: 3,600 buffers of 9,000 bytes. A buffer is held only from the read to the end of the
   * send, microseconds, so this covers bursts of thousands of datagrams waiting on a slow socket.
   */
  public static final DataSize DEFAULT_BUDGET = new DataSize(32L << 20);

  /** 20%: replies to calls in progress keep going while new traffic is shed. */
  public static final Percent DEFAULT_RESERVE = new Percent(20);

  public static final UdpBuffersConfig DEFAULT = new UdpBuffersConfig(null, null);

  public UdpBuffersConfig {
    budget = budget == null ? DEFAULT_BUDGET : budget;
    reserve = reserve == null ? DEFAULT_RESERVE : reserve;
  }
}
