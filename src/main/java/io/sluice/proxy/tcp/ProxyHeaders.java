package io.sluice.proxy.tcp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageEncoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.netty.handler.codec.haproxy.HAProxySSLTLV;
import io.netty.handler.codec.haproxy.HAProxyTLV;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

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

  // PROXY protocol v2 (section 2.2.5): client flags and the SSL sub-types Netty has no name for.
  static final int PP2_CLIENT_SSL = 0x01;
  static final int PP2_CLIENT_CERT_CONN = 0x02;
  static final int PP2_CLIENT_CERT_SESS = 0x04;
  static final byte PP2_SUBTYPE_SSL_CIPHER = 0x23;
  static final byte PP2_SUBTYPE_SSL_SIG_ALG = 0x24;
  static final byte PP2_SUBTYPE_SSL_KEY_ALG = 0x25;

  /** OpenSSL's X509_V_ERR_UNSPECIFIED: no certificate, or one nobody verified. */
  static final int X509_V_ERR_UNSPECIFIED = 1;

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
    return describe(client, local, v2, null, 0);
  }

  /**
   * As {@link #describe(SocketAddress, SocketAddress, boolean)}; a v2 header also carries the
   * client's TLS session, when there is one: the SSL TLV (PP2_TYPE_SSL) with its flags, verify
   * result and the VERSION, CN, KEY_ALG, SIG_ALG and CIPHER sub-TLVs in the order HAProxy writes
   * them, and the client certificate's DER bytes in a TLV of type {@code certificateTlv} (none when
   * 0).
   */
  static HAProxyMessage describe(
      SocketAddress client,
      SocketAddress local,
      boolean v2,
      ClientTlsFacts tls,
      int certificateTlv) {
    HAProxyProtocolVersion version = v2 ? HAProxyProtocolVersion.V2 : HAProxyProtocolVersion.V1;
    List<HAProxyTLV> tlvs = v2 && tls != null ? tlvs(tls, certificateTlv) : List.of();
    if (!(client instanceof InetSocketAddress source)
        || !(local instanceof InetSocketAddress destination)
        || source.getAddress() == null
        || destination.getAddress() == null) {
      return v2
          ? new HAProxyMessage(
              version, HAProxyCommand.LOCAL, HAProxyProxiedProtocol.UNKNOWN, null, null, 0, 0, tlvs)
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
        destination.getPort(),
        tlvs);
  }

  private static List<HAProxyTLV> tlvs(ClientTlsFacts tls, int certificateTlv) {
    List<HAProxyTLV> ssl = new ArrayList<>(5);
    add(ssl, HAProxyTLV.Type.PP2_TYPE_SSL_VERSION, tls.version());
    if (tls.certificateDer() != null) {
      add(ssl, HAProxyTLV.Type.PP2_TYPE_SSL_CN, tls.commonName());
    }
    add(ssl, PP2_SUBTYPE_SSL_KEY_ALG, tls.keyAlgorithm());
    add(ssl, PP2_SUBTYPE_SSL_SIG_ALG, tls.signatureAlgorithm());
    add(ssl, PP2_SUBTYPE_SSL_CIPHER, tls.cipher());
    int client = PP2_CLIENT_SSL;
    if (tls.certificateDer() != null) {
      client |= PP2_CLIENT_CERT_SESS;
      if (tls.certificateInConnection()) {
        client |= PP2_CLIENT_CERT_CONN;
      }
    }
    // The specification: zero only for a certificate presented and verified. (HAProxy also sends
    // zero when there is no certificate; a server that trusts the field alone would be misled.)
    int verify = tls.certificateDer() != null && tls.verified() ? 0 : X509_V_ERR_UNSPECIFIED;
    List<HAProxyTLV> tlvs = new ArrayList<>(2);
    tlvs.add(new HAProxySSLTLV(verify, (byte) client, ssl));
    if (tls.certificateDer() != null && certificateTlv != 0) {
      tlvs.add(new HAProxyTLV((byte) certificateTlv, Unpooled.wrappedBuffer(tls.certificateDer())));
    }
    return tlvs;
  }

  private static void add(List<HAProxyTLV> tlvs, HAProxyTLV.Type type, String value) {
    if (value != null) {
      tlvs.add(new HAProxyTLV(type, Unpooled.wrappedBuffer(ascii(value))));
    }
  }

  private static void add(List<HAProxyTLV> tlvs, byte type, String value) {
    if (value != null) {
      tlvs.add(new HAProxyTLV(type, Unpooled.wrappedBuffer(ascii(value))));
    }
  }

  private static byte[] ascii(String value) {
    return value.getBytes(StandardCharsets.US_ASCII);
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
