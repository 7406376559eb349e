package io.sluice.net;

import io.netty.channel.unix.DomainSocketAddress;
import io.netty.util.NetUtil;
import io.sluice.config.Endpoint;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;

/** Turns configured endpoints into socket addresses, and socket addresses into log text. */
public final class SocketAddresses {
  /** Linux marks an abstract-namespace name with a leading NUL byte in sun_path. */
  private static final char ABSTRACT_MARK = '\0';

  private SocketAddresses() {}

  /**
   * The socket address for {@code endpoint}. Inet hosts that are names are resolved here, once:
   * call it at start or reload, never on an event loop.
   */
  public static SocketAddress of(Endpoint endpoint) {
    return switch (endpoint.kind()) {
      case INET ->
          endpoint.host().isEmpty()
              ? new InetSocketAddress(endpoint.port())
              : new InetSocketAddress(endpoint.host(), endpoint.port());
      case UNIX -> new DomainSocketAddress(endpoint.path());
      case ABSTRACT -> new DomainSocketAddress(ABSTRACT_MARK + endpoint.path());
    };
  }

  /**
   * The address of a server found through DNS: {@code literal}'s IP address, never looked up,
   * carrying {@code host}, the name it was found by, which TLS then sends as SNI and verifies and
   * HTTP checks send as Host.
   *
   * @throws IllegalArgumentException when {@code literal} is not an IP address and port
   */
  public static InetSocketAddress named(String host, Endpoint literal) {
    byte[] ip = NetUtil.createByteArrayFromIpAddressString(literal.host());
    if (literal.kind() != Endpoint.Kind.INET || ip == null) {
      throw new IllegalArgumentException("'" + literal + "' is not an IP address and port");
    }
    String name = host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
    try {
      return new InetSocketAddress(InetAddress.getByAddress(name, ip), literal.port());
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("'" + literal + "' is not an IP address", e);
    }
  }

  public static boolean isDomain(SocketAddress address) {
    return address instanceof DomainSocketAddress;
  }

  /** {@code ip:port}, {@code [v6]:port}, {@code unix:/path} or {@code unix:@name}. */
  public static String format(SocketAddress address) {
    if (address instanceof InetSocketAddress inet) {
      // RFC 5952 text (::1, not the JDK's 0:0:0:0:0:0:0:1), as HAProxy logs it.
      String host =
          inet.getAddress() != null
              ? NetUtil.toAddressString(inet.getAddress())
              : inet.getHostString();
      int zone = host.indexOf('%');
      if (zone >= 0) {
        host = host.substring(0, zone);
      }
      return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + inet.getPort();
    }
    if (address instanceof DomainSocketAddress domain) {
      String path = domain.path();
      return !path.isEmpty() && path.charAt(0) == ABSTRACT_MARK
          ? "unix:@" + path.substring(1)
          : "unix:" + path;
    }
    return String.valueOf(address);
  }
}
