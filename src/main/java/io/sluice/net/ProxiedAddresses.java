package io.sluice.net;

import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.netty.util.NetUtil;
import java.net.InetSocketAddress;

/**
 * The client and destination addresses a received PROXY header stands for. A {@code LOCAL} command
 * (a peer's health check), the {@code UNKNOWN} family and unix-socket addresses stand for none: the
 * socket's own addresses apply, as the specification asks.
 */
public final class ProxiedAddresses {
  private ProxiedAddresses() {}

  /** Whether {@code header} carries inet addresses that replace the socket's. */
  public static boolean present(HAProxyMessage header) {
    return header.command() != HAProxyCommand.LOCAL
        && header.proxiedProtocol() != HAProxyProxiedProtocol.UNKNOWN
        && header.sourceAddress() != null
        && header.proxiedProtocol().addressFamily() != HAProxyProxiedProtocol.AddressFamily.AF_UNIX;
  }

  /**
   * Whether a header that {@link #present carries addresses} can stand for a connection: real TCP
   * or UDP ports (Netty's v2 decoder takes port 0, which no connection has) and addresses that are
   * plain IP literals. Netty's v1 decoder lets through an IPv6 literal with a zone ({@code %...},
   * whatever follows it), which names no host here and would otherwise read as the wildcard
   * address. Such a header is malformed, and Sluice could not describe that client to its own
   * servers either.
   */
  public static boolean usable(HAProxyMessage header) {
    return header.sourcePort() > 0
        && header.destinationPort() > 0
        && literal(header.sourceAddress())
        && literal(header.destinationAddress());
  }

  private static boolean literal(String ip) {
    return ip != null
        && ip.indexOf('%') < 0
        && NetUtil.createInetAddressFromIpAddressString(ip) != null;
  }

  /** The client's address; only when {@link #present} and {@link #usable}. */
  public static InetSocketAddress source(HAProxyMessage header) {
    return inet(header.sourceAddress(), header.sourcePort());
  }

  /** The address the client connected to; only when {@link #present} and {@link #usable}. */
  public static InetSocketAddress destination(HAProxyMessage header) {
    return inet(header.destinationAddress(), header.destinationPort());
  }

  /** {@link #usable} has checked the literal, so this never resolves a name. */
  private static InetSocketAddress inet(String ip, int port) {
    return new InetSocketAddress(NetUtil.createInetAddressFromIpAddressString(ip), port);
  }
}
