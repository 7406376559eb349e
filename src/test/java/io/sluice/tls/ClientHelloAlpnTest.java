package io.sluice.tls;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ClientHelloAlpnTest {
  /** A ClientHello body: version, random, empty session id, one suite, null compression, ALPN. */
  private static ByteBuf hello(String... protocols) {
    ByteBuf list = Unpooled.buffer();
    for (String protocol : protocols) {
      byte[] bytes = protocol.getBytes(StandardCharsets.US_ASCII);
      list.writeByte(bytes.length).writeBytes(bytes);
    }
    ByteBuf hello = Unpooled.buffer();
    hello.writeShort(0x0303).writeZero(32).writeByte(0);
    hello.writeShort(2).writeShort(0x1301);
    hello.writeByte(1).writeByte(0);
    ByteBuf extensions = Unpooled.buffer();
    extensions.writeShort(0).writeShort(0); // an empty server_name first
    extensions.writeShort(16).writeShort(list.readableBytes() + 2);
    extensions.writeShort(list.readableBytes()).writeBytes(list);
    hello.writeShort(extensions.readableBytes()).writeBytes(extensions);
    list.release();
    extensions.release();
    return hello;
  }

  @Test
  void findsAcmeTls1AmongTheOfferedProtocols() {
    ByteBuf hello = hello("h2", "acme-tls/1");
    try {
      assertThat(ClientHelloAlpn.offers(hello, "acme-tls/1")).isTrue();
    } finally {
      hello.release();
    }
  }

  @Test
  void offersNothingElseAndSurvivesATruncatedHello() {
    ByteBuf hello = hello("h2", "http/1.1");
    try {
      assertThat(ClientHelloAlpn.offers(hello, "acme-tls/1")).isFalse();
      assertThat(ClientHelloAlpn.offers(hello.slice(0, hello.readableBytes() - 3), "http/1.1"))
          .isFalse();
      assertThat(ClientHelloAlpn.offers(hello.slice(0, 20), "h2")).isFalse();
    } finally {
      hello.release();
    }
  }
}
