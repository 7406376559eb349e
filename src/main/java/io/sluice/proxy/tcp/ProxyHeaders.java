package io.sluice.proxy.tcp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageEncoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;

/** Builds the PROXY header that tells a server who the client really is. */
final class ProxyHeaders {
  /**
   * {@code PROXY UNKNOWN\r\n} as bytes: Netty's encoder writes a v1 header's addresses whether or
   * not it has any, and fails on this one, which has none.
   */
  private static final ByteBuf V1_UNKNOWN =
      Unpooled.unreleasableBuffer(
              Unpooled.copiedBuffer("PROXY UNKNOWN\r\n", StandardCharsets.US_ASCII))
          .asReadOnly();

  private ProxyHeaders() {}

  /**
   * What to write to the server for {@code header}: the header itself, for {@link
   * HAProxyMessageEncoder} to encode, except a v1 {@code UNKNOWN} header, which that encoder cannot
   * write; for that one, its fixed bytes (and the header is released).
   */
  static Object encodable(HAProxyMessage header) {
    if (header.protocolVersion() == HAProxyProtocolVersion.V1
        && header.proxiedProtocol() == HAProxyProxiedProtocol.UNKNOWN) {
      header.release();
      return V1_UNKNOWN.duplicate();
    }
    return header;
  }

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
