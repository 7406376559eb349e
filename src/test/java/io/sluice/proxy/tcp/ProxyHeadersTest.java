package io.sluice.proxy.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageEncoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ProxyHeadersTest {
  private static final boolean V1 = false;
  private static final boolean V2 = true;

  @Test
  void describesAnIpv4ClientAsTcp4InVersion1() throws Exception {
    HAProxyMessage header =
        ProxyHeaders.describe(inet("192.0.2.10", 51000), inet("198.51.100.1", 443), V1);

    assertThat(encodedV1(header)).isEqualTo("PROXY TCP4 192.0.2.10 198.51.100.1 51000 443\r\n");
  }

  @Test
  void describesAnIpv4ClientAsTcp4InVersion2() throws Exception {
    HAProxyMessage header =
        ProxyHeaders.describe(inet("192.0.2.10", 51000), inet("198.51.100.1", 443), V2);
    try {
      assertThat(header.protocolVersion()).isEqualTo(HAProxyProtocolVersion.V2);
      assertThat(header.command()).isEqualTo(HAProxyCommand.PROXY);
      assertThat(header.proxiedProtocol()).isEqualTo(HAProxyProxiedProtocol.TCP4);
      assertThat(header.sourceAddress()).isEqualTo("192.0.2.10");
      assertThat(header.sourcePort()).isEqualTo(51000);
      assertThat(header.destinationAddress()).isEqualTo("198.51.100.1");
      assertThat(header.destinationPort()).isEqualTo(443);
    } finally {
      header.release();
    }
  }

  @Test
  void describesAnIpv6ClientAsTcp6InVersion1() throws Exception {
    HAProxyMessage header =
        ProxyHeaders.describe(inet("2001:db8::10", 51000), inet("2001:db8::1", 443), V1);

    assertThat(encodedV1(header))
        .isEqualTo("PROXY TCP6 2001:db8:0:0:0:0:0:10 2001:db8:0:0:0:0:0:1 51000 443\r\n");
  }

  @Test
  void describesAnIpv6ClientAsTcp6InVersion2() throws Exception {
    HAProxyMessage header =
        ProxyHeaders.describe(inet("2001:db8::10", 51000), inet("2001:db8::1", 443), V2);
    try {
      assertThat(header.proxiedProtocol()).isEqualTo(HAProxyProxiedProtocol.TCP6);
      assertThat(InetAddress.getByName(header.sourceAddress()))
          .isEqualTo(InetAddress.getByName("2001:db8::10"));
      assertThat(InetAddress.getByName(header.destinationAddress()))
          .isEqualTo(InetAddress.getByName("2001:db8::1"));
    } finally {
      header.release();
    }
  }

  @Test
  void mapsAnIpv4ClientIntoTcp6WhenTheListenerIsIpv6() throws Exception {
    HAProxyMessage header =
        ProxyHeaders.describe(inet("192.0.2.10", 51000), inet("2001:db8::1", 443), V1);

    assertThat(encodedV1(header))
        .isEqualTo("PROXY TCP6 ::ffff:192.0.2.10 2001:db8:0:0:0:0:0:1 51000 443\r\n");
  }

  @Test
  void mapsAnIpv4ListenerIntoTcp6WhenTheClientIsIpv6() throws Exception {
    // A v6 client address from an accepted PROXY header, relayed by a listener bound to IPv4.
    HAProxyMessage header =
        ProxyHeaders.describe(inet("2001:db8::10", 51000), inet("127.0.0.1", 8080), V2);
    try {
      assertThat(header.proxiedProtocol()).isEqualTo(HAProxyProxiedProtocol.TCP6);
      assertThat(header.destinationAddress()).isEqualTo("::ffff:127.0.0.1");
    } finally {
      header.release();
    }
  }

  @Test
  void describesAV4MappedClientOnADualStackListenerAsTcp4() throws Exception {
    // The JDK turns ::ffff:a.b.c.d into an Inet4Address, as a dual-stack socket reports it.
    HAProxyMessage header =
        ProxyHeaders.describe(
            inet("::ffff:192.0.2.10", 51000), inet("::ffff:198.51.100.1", 443), V1);

    assertThat(encodedV1(header)).isEqualTo("PROXY TCP4 192.0.2.10 198.51.100.1 51000 443\r\n");
  }

  @Test
  void leavesOutTheScopeOfALinkLocalAddress() throws Exception {
    HAProxyMessage header =
        ProxyHeaders.describe(inet("fe80::1%1", 51000), inet("fe80::2%1", 443), V1);

    assertThat(encodedV1(header))
        .isEqualTo("PROXY TCP6 fe80:0:0:0:0:0:0:1 fe80:0:0:0:0:0:0:2 51000 443\r\n");
  }

  @Test
  void saysUnknownInVersion1ForAUnixSocketClient() {
    HAProxyMessage header =
        ProxyHeaders.describe(
            new DomainSocketAddress(""), new DomainSocketAddress("/run/sluice.sock"), V1);

    assertThat(encodedV1(header)).isEqualTo("PROXY UNKNOWN\r\n");
  }

  @Test
  void saysLocalInVersion2ForAUnixSocketClient() {
    HAProxyMessage header =
        ProxyHeaders.describe(
            new DomainSocketAddress(""), new DomainSocketAddress("/run/sluice.sock"), V2);
    try {
      assertThat(header.command()).isEqualTo(HAProxyCommand.LOCAL);
      assertThat(header.proxiedProtocol()).isEqualTo(HAProxyProxiedProtocol.UNKNOWN);
      assertThat(header.sourceAddress()).isNull();
    } finally {
      header.release();
    }
  }

  @Test
  void saysUnknownForAnInetClientOnAUnixListener() throws Exception {
    HAProxyMessage header =
        ProxyHeaders.describe(
            inet("192.0.2.10", 51000), new DomainSocketAddress("/run/sluice.sock"), V1);

    assertThat(encodedV1(header)).isEqualTo("PROXY UNKNOWN\r\n");
  }

  private static InetSocketAddress inet(String ip, int port) throws UnknownHostException {
    return new InetSocketAddress(InetAddress.getByName(ip), port);
  }

  /** The bytes a session writes to its server for {@code header}, as text. */
  private static String encodedV1(HAProxyMessage header) {
    EmbeddedChannel channel = new EmbeddedChannel(HAProxyMessageEncoder.INSTANCE);
    try {
      channel.writeOutbound(ProxyHeaders.encodable(header));
      ByteBuf encoded = channel.readOutbound();
      try {
        return encoded.toString(StandardCharsets.US_ASCII);
      } finally {
        encoded.release();
      }
    } finally {
      channel.finishAndReleaseAll();
    }
  }

  @Test
  void encodesTheClientsTlsSessionAsTheSpecificationLaysItOut() throws Exception {
    ClientTlsFacts tls =
        new ClientTlsFacts(
            "TLSv1.3",
            "TLS_AES_128_GCM_SHA256",
            new byte[] {0x30, 0x03, 0x02, 0x01, 0x07},
            "device-7",
            true,
            false,
            "ecdsa-with-SHA256",
            "EC384");
    HAProxyMessage header =
        ProxyHeaders.describe(inet("192.0.2.10", 51000), inet("198.51.100.1", 443), V2, tls, 0xE0);

    EmbeddedChannel channel = new EmbeddedChannel(HAProxyMessageEncoder.INSTANCE);
    channel.writeOutbound(header);
    ByteBuf encoded = channel.readOutbound();
    byte[] bytes = new byte[encoded.readableBytes()];
    encoded.readBytes(bytes);
    encoded.release();
    channel.finishAndReleaseAll();

    java.io.ByteArrayOutputStream ssl = new java.io.ByteArrayOutputStream();
    ssl.write(0x07); // PP2_CLIENT_SSL | PP2_CLIENT_CERT_CONN | PP2_CLIENT_CERT_SESS
    ssl.writeBytes(new byte[] {0, 0, 0, 1}); // verify: presented, not verified
    ssl.writeBytes(tlv(0x21, "TLSv1.3"));
    ssl.writeBytes(tlv(0x22, "device-7"));
    ssl.writeBytes(tlv(0x25, "EC384"));
    ssl.writeBytes(tlv(0x24, "ecdsa-with-SHA256"));
    ssl.writeBytes(tlv(0x23, "TLS_AES_128_GCM_SHA256"));
    java.io.ByteArrayOutputStream tlvs = new java.io.ByteArrayOutputStream();
    tlvs.writeBytes(tlv(0x20, ssl.toByteArray()));
    tlvs.writeBytes(tlv(0xE0, new byte[] {0x30, 0x03, 0x02, 0x01, 0x07}));
    // 16-byte signature, version and length, then 12 bytes of IPv4 addresses and ports.
    int length = ((bytes[14] & 0xFF) << 8) | (bytes[15] & 0xFF);
    assertThat(length).isEqualTo(12 + tlvs.size());
    assertThat(java.util.Arrays.copyOfRange(bytes, 16 + 12, bytes.length))
        .isEqualTo(tlvs.toByteArray());
  }

  private static byte[] tlv(int type, String value) {
    return tlv(type, value.getBytes(StandardCharsets.US_ASCII));
  }

  private static byte[] tlv(int type, byte[] value) {
    byte[] tlv = new byte[3 + value.length];
    tlv[0] = (byte) type;
    tlv[1] = (byte) (value.length >> 8);
    tlv[2] = (byte) value.length;
    System.arraycopy(value, 0, tlv, 3, value.length);
    return tlv;
  }
}
