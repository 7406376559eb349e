package io.sluice.config;

import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Whether a listener can bind a host, decided without DNS. A host name would need a lookup at start
 * and could later resolve elsewhere; an IP address that no interface holds fails with
 * EADDRNOTAVAIL. Both are better refused while the operator is still looking at the file.
 */
final class BindHostCheck {
  private static final String OCTET = "(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";
  private static final Pattern IPV4 = Pattern.compile(OCTET + "(\\." + OCTET + "){3}");

  /**
   * The characters of an IPv6 literal with an optional zone. Checked before {@link
   * InetAddress#getByName}, which parses a literal but would look anything else up in DNS.
   */
  private static final Pattern IPV6 =
      Pattern.compile("[0-9A-Fa-f:][0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*(%[0-9A-Za-z_.-]+)?");

  private BindHostCheck() {}

  /** Whether {@code host} is written as an IPv4 or IPv6 address, decided without DNS. */
  static boolean isIpLiteral(String host) {
    if (IPV4.matcher(host).matches()) {
      return true;
    }
    if (!IPV6.matcher(host).matches()) {
      return false;
    }
    try {
      // A literal of the right characters is parsed, never looked up.
      InetAddress.getByName(host);
      return true;
    } catch (UnknownHostException e) {
      return false;
    }
  }

  /** Why a listener cannot bind this host, or {@code null} if it can. */
  static String problem(String host) {
    if (host.isEmpty() || host.toLowerCase(Locale.ROOT).equals("localhost")) {
      return null;
    }
    if (!IPV4.matcher(host).matches() && !IPV6.matcher(host).matches()) {
      return "host '"
          + host
          + "' is not an IP address (expected: an IP address of this machine, localhost,"
          + " or :port for all addresses)";
    }
    InetAddress address;
    try {
      address = InetAddress.getByName(host);
    } catch (UnknownHostException e) {
      return "host '" + host + "' is not a valid IP address";
    }
    if (address.isAnyLocalAddress() || address.isLoopbackAddress() || isOnAnInterface(address)) {
      return null;
    }
    return "host '" + host + "' is not an address of this machine";
  }

  private static boolean isOnAnInterface(InetAddress address) {
    try {
      return NetworkInterface.getByInetAddress(address) != null;
    } catch (SocketException e) {
      // Interfaces cannot be listed here; the bind itself will tell, so do not refuse a config
      // that may well be right.
      return true;
    }
  }
}
