package io.sluice.proxy.tcp;

import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;

/** Builds the PROXY header that tells a server who the client really is. */
final class ProxyHeaders {
  private ProxyHeaders() {}

  /**
   * The header for a connection from {@code client} to {@code local}: the listener's address, or,
   * behind another proxy, the address its PROXY header said the client connected to. Clients on
   * unix sockets have no address to carry: v1 says {@code UNKNOWN} and v2 {@code LOCAL}, so the
   * server uses the connection's own address, as the specification asks.
   */
  static HAProxyMessage describe(SocketAddress client, SocketAddress local, boolean v2) {
    HAProxyProtocolVersion version = v2 ? HAProxyProtocolVersion.V2 : HAProxyProtocolVersion.V1;
    if (!(client instanceof InetSocketAddress source)
        || !(local instanceof InetSocketAddress destination)
        || source.getAddress() == null
        || destination.getAddress() == null) {
      return v2
          ? new HAProxyMessage(
              version, HAProxyCommand.LOCAL, HAProxyProxiedProtocol.UNKNOWN, null, null, 0, 0)
          : new HAProxyMessage(
              version, HAProxyCommand.PROXY, HAProxyProxiedProtocol.UNKNOWN, null, null, 0, 0);
    }
    InetAddress from = source.getAddress();
    InetAddress to = destination.getAddress();
    boolean ipv4 = from instanceof Inet4Address && to instanceof Inet4Address;
    return new HAProxyMessage(
        version,
        HAProxyCommand.PROXY,
        ipv4 ? HAProxyProxiedProtocol.TCP4 : HAProxyProxiedProtocol.TCP6,
        ipv4 ? from.getHostAddress() : ipv6Text(from),
        ipv4 ? to.getHostAddress() : ipv6Text(to),
        source.getPort(),
        destination.getPort());
  }

  /** IPv4 addresses in an IPv6 header are written v4-mapped ({@code ::ffff:a.b.c.d}). */
  private static String ipv6Text(InetAddress address) {
    if (address instanceof Inet4Address) {
      return "::ffff:" + address.getHostAddress();
    }
    String text = address.getHostAddress();
    int zone = text.indexOf('%');
    return zone >= 0 ? text.substring(0, zone) : text;
  }
}
