package io.sluice.tls;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/**
 * Reads the ALPN protocols a ClientHello offers (RFC 7301 section 3.1), without copying. Bad input
 * is no error: it simply offers nothing, and the TLS engine refuses the ClientHello itself.
 */
final class ClientHelloAlpn {
  private static final int ALPN_EXTENSION = 16;

  private ClientHelloAlpn() {}

  /**
   * Whether {@code hello} (the ClientHello handshake body, without its four-byte header) offers
   * {@code protocol}.
   */
  static boolean offers(ByteBuf hello, String protocol) {
    byte[] wanted = protocol.getBytes(StandardCharsets.US_ASCII);
    int offset = hello.readerIndex();
    int end = hello.writerIndex();
    // client_version (2) and random (32)
    offset += 34;
    if (offset + 1 > end) {
      return false;
    }
    offset += 1 + hello.getUnsignedByte(offset); // session id
    if (offset + 2 > end) {
      return false;
    }
    offset += 2 + hello.getUnsignedShort(offset); // cipher suites
    if (offset + 1 > end) {
      return false;
    }
    offset += 1 + hello.getUnsignedByte(offset); // compression methods
    if (offset + 2 > end) {
      return false;
    }
    int extensionsEnd = Math.min(end, offset + 2 + hello.getUnsignedShort(offset));
    offset += 2;
    while (offset + 4 <= extensionsEnd) {
      int type = hello.getUnsignedShort(offset);
      int length = hello.getUnsignedShort(offset + 2);
      offset += 4;
      if (offset + length > extensionsEnd) {
        return false;
      }
      if (type == ALPN_EXTENSION) {
        return listed(hello, offset, offset + length, wanted);
      }
      offset += length;
    }
    return false;
  }

  private static boolean listed(ByteBuf hello, int offset, int end, byte[] wanted) {
    if (offset + 2 > end) {
      return false;
    }
    int listEnd = Math.min(end, offset + 2 + hello.getUnsignedShort(offset));
    offset += 2;
    while (offset < listEnd) {
      int length = hello.getUnsignedByte(offset);
      offset++;
      if (offset + length > listEnd) {
        return false;
      }
      if (length == wanted.length && same(hello, offset, wanted)) {
        return true;
      }
      offset += length;
    }
    return false;
  }

  private static boolean same(ByteBuf hello, int offset, byte[] wanted) {
    for (int i = 0; i < wanted.length; i++) {
      if (hello.getByte(offset + i) != wanted[i]) {
        return false;
      }
    }
    return true;
  }
}
