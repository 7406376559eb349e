package io.sluice.proxy.udp;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * The PROXY protocol v2 header HAProxy puts before each datagram it relays over UDP: the fixed
 * signature, {@code PROXY} command, the {@code DGRAM} transport of the client's family, and the
 * client's and the listener's addresses and ports. Built once per flow (and again if a SIP flow's
 * client moves), then copied into each datagram's headroom.
 */
final class ProxyV2Datagram {
  private static final byte[] SIGNATURE = {
    0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A
  };

  /** Version 2, command PROXY. */
  private static final byte VERSION_PROXY = 0x21;

  /** AF_INET (1) or AF_INET6 (2) in the high nibble, SOCK_DGRAM (2) in the low one. */
  private static final byte INET_DGRAM = 0x12;

  private static final byte INET6_DGRAM = 0x22;

  private ProxyV2Datagram() {}

  /**
   * The header for datagrams from {@code client} received on {@code local}; IPv4 when both are
   * IPv4, else IPv6 with IPv4 addresses written v4-mapped.
   */
  static byte[] header(InetSocketAddress client, InetSocketAddress local) {
    InetAddress from = client.getAddress();
    InetAddress to = local.getAddress();
    boolean ipv4 = from instanceof Inet4Address && to instanceof Inet4Address;
    int addressBytes = ipv4 ? 4 : 16;
    int length = 2 * addressBytes + 4;
    byte[] header = new byte[16 + length];
    System.arraycopy(SIGNATURE, 0, header, 0, SIGNATURE.length);
    header[12] = VERSION_PROXY;
    header[13] = ipv4 ? INET_DGRAM : INET6_DGRAM;
    header[14] = (byte) (length >>> 8);
    header[15] = (byte) length;
    put(header, 16, from, addressBytes);
    put(header, 16 + addressBytes, to, addressBytes);
    int ports = 16 + 2 * addressBytes;
    header[ports] = (byte) (client.getPort() >>> 8);
    header[ports + 1] = (byte) client.getPort();
    header[ports + 2] = (byte) (local.getPort() >>> 8);
    header[ports + 3] = (byte) local.getPort();
    return header;
  }

  private static void put(byte[] header, int at, InetAddress address, int size) {
    byte[] raw = address.getAddress();
    if (raw.length == size) {
      System.arraycopy(raw, 0, header, at, size);
    } else {
      // An IPv4 address in an IPv6 header: ::ffff:a.b.c.d (RFC 4291 §2.5.5.2).
      header[at + 10] = (byte) 0xFF;
      header[at + 11] = (byte) 0xFF;
      System.arraycopy(raw, 0, header, at + 12, 4);
    }
  }
}
