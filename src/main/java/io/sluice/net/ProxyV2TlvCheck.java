package io.sluice.net;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolException;
import java.util.List;

/**
 * Goes before Netty's PROXY header decoder and refuses a v2 header whose TLVs do not fit in it.
 * Netty (4.2.12) takes a retained slice of the connection's buffer for each TLV as it reads them,
 * and when a later one runs past the header it throws without releasing the earlier ones: every
 * such header from a client would leak its buffer. Headers whose TLVs fit, v1 headers and anything
 * else pass on untouched, and the check leaves the pipeline.
 *
 * <p>One instance per connection, on its event loop.
 */
public final class ProxyV2TlvCheck extends ByteToMessageDecoder {
  private static final ByteBuf SIGNATURE =
      Unpooled.unreleasableBuffer(
          Unpooled.wrappedBuffer(
              new byte[] {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A}));

  private static final int FIXED = 16;
  private static final byte PP2_TYPE_SSL = 0x20;

  /** The SSL TLV's client flags (1 byte) and verify result (4) come before its sub-TLVs. */
  private static final int SSL_FIXED = 5;

  /** Stackless: a flood of bad headers must not cost a stack trace each. */
  private static final HAProxyProtocolException MALFORMED =
      new HAProxyProtocolException("a TLV runs past the PROXY v2 header") {
        private static final long serialVersionUID = 1L;

        @Override
        public synchronized Throwable fillInStackTrace() {
          return this;
        }
      };

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    int start = in.readerIndex();
    int readable = in.readableBytes();
    int compared = Math.min(readable, SIGNATURE.readableBytes());
    if (!ByteBufUtil.equals(in, start, SIGNATURE, 0, compared)) {
      // Not v2: what was read goes on to the decoder as the check leaves.
      ctx.pipeline().remove(this);
      return;
    }
    if (readable < FIXED) {
      return;
    }
    int length = in.getUnsignedShort(start + 14);
    if (readable < FIXED + length) {
      return;
    }
    int addresses = addressBytes(in.getByte(start + 13));
    if (addresses <= length && !tlvsFit(in, start + FIXED + addresses, start + FIXED + length)) {
      in.skipBytes(readable);
      throw MALFORMED;
    }
    ctx.pipeline().remove(this);
  }

  /** The address block's size for the family in the high nibble; Netty refuses other sizes. */
  private static int addressBytes(byte familyAndTransport) {
    return switch ((familyAndTransport & 0xF0) >> 4) {
      case 1 -> 12;
      case 2 -> 36;
      case 3 -> 216;
      default -> 0;
    };
  }

  /**
   * Whether the TLVs in {@code [from, end)} each fit, as Netty reads them: a TLV starts where at
   * least four bytes are left, and an SSL TLV holds its fixed fields, then sub-TLVs that fit in it
   * (none of them SSL again).
   */
  private static boolean tlvsFit(ByteBuf in, int from, int end) {
    int at = from;
    while (end - at >= 4) {
      byte type = in.getByte(at);
      int length = in.getUnsignedShort(at + 1);
      int content = at + 3;
      if (length > end - content) {
        return false;
      }
      if (type == PP2_TYPE_SSL && !sslFits(in, content, content + length)) {
        return false;
      }
      at = content + length;
    }
    return true;
  }

  private static boolean sslFits(ByteBuf in, int from, int end) {
    if (end - from < SSL_FIXED) {
      return false;
    }
    int at = from + SSL_FIXED;
    while (end - at >= 4) {
      byte type = in.getByte(at);
      int length = in.getUnsignedShort(at + 1);
      int content = at + 3;
      if (type == PP2_TYPE_SSL || length > end - content) {
        return false;
      }
      at = content + length;
    }
    return true;
  }
}
