package io.sluice.proxy.udp;

import io.sluice.net.Transport;
import io.sluice.observe.AccessLog;
import io.sluice.pool.Pool;
import java.time.Duration;

/**
 * What one udp listener's relay needs: immutable, built by the runtime from the configuration.
 *
 * @param listener the listener's name, for logs and metrics
 * @param pool where flows go
 * @param callIdAffinity key flows by SIP Call-ID (else by client address and port)
 * @param maxFlows flows held at once
 * @param idleTimeout a flow with no datagram either way for this long ends ({@code --})
 * @param flowRate datagrams per second from one flow, 0 for no limit
 * @param serverRate datagrams per second to one server from this listener, 0 for no limit
 * @param moveOnServerDown move a flow whose server went down at its next message (else stick)
 * @param maxDatagram the longest datagram relayed
 * @param transport the socket implementation
 * @param accessLog one line per ended flow
 * @param buffers the process-wide receive buffers
 */
public record UdpListenerSettings(
    String listener,
    Pool pool,
    boolean callIdAffinity,
    int maxFlows,
    Duration idleTimeout,
    double flowRate,
    double serverRate,
    boolean moveOnServerDown,
    int maxDatagram,
    Transport transport,
    AccessLog accessLog,
    DatagramBuffers buffers) {

  /**
   * A tenth of a second of the rate, at least 8: a SIP transaction's few messages (INVITE, ACK,
   * their retransmissions) pass together, anything more is held to the rate.
   */
  static int burstOf(double perSecond) {
    return (int) Math.max(8, Math.min(Integer.MAX_VALUE, perSecond / 10));
  }
}
