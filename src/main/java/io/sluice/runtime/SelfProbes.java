package io.sluice.runtime;

import io.netty.channel.unix.DomainSocketAddress;
import io.sluice.config.ListenerConfig;
import io.sluice.config.Protocol;
import io.sluice.config.TlsConfig;
import io.sluice.health.SelfProbe;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.util.List;

/** What a self-probe of a listener does, from its configuration and its bound addresses. */
final class SelfProbes {
  private SelfProbes() {}

  /**
   * The probe of {@code listener} at its first address a JDK socket can reach (inet or a unix path;
   * abstract names are out of its reach), or {@code null} when it has none.
   */
  static SelfProbe.Target target(ListenerConfig listener, List<SocketAddress> bound) {
    for (SocketAddress address : bound) {
      SocketAddress reachable = reachable(address);
      if (reachable != null) {
        boolean tls = listener.protocol() == Protocol.TLS;
        return new SelfProbe.Target(
            listener.name(),
            reachable,
            listener.acceptProxy(),
            tls,
            tls && listener.tls().clientAuth() == TlsConfig.ClientAuth.REQUIRE);
      }
    }
    return null;
  }

  private static SocketAddress reachable(SocketAddress address) {
    if (address instanceof InetSocketAddress) {
      return address;
    }
    if (address instanceof DomainSocketAddress domain
        && !domain.path().isEmpty()
        && domain.path().charAt(0) != '\0') {
      return UnixDomainSocketAddress.of(domain.path());
    }
    return null;
  }
}
