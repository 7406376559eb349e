package io.sluice.proxy.udp;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzzes the Call-ID reader that every SIP datagram from a client goes through: whatever the bytes,
 * and wherever the datagram starts in its buffer (the relay leaves headroom for a PROXY header), it
 * returns a value inside the datagram or none, never throws, and finds exactly what a plain reading
 * of RFC 3261's header lines finds. The flow key made of it equals its stored copy.
 */
class SipCallIdFuzzTest {
  /** Bytes before the datagram in its buffer, as the relay's headroom. */
  private static final int HEADROOM = 28;

  @FuzzTest
  @Timeout(10)
  void findsTheCallIdAPlainReadingFinds(byte[] datagram) {
    ByteBuf buffer = Unpooled.buffer(HEADROOM + datagram.length);
    try {
      buffer.writeZero(HEADROOM).writeBytes(datagram).readerIndex(HEADROOM);
      long found = SipCallId.find(buffer);
      String expected = reference(new String(datagram, StandardCharsets.ISO_8859_1));
      if (found == SipCallId.NONE) {
        assertThat(expected).isNull();
        return;
      }
      int offset = (int) (found >>> 32);
      int length = (int) found;
      assertThat(offset).isGreaterThanOrEqualTo(buffer.readerIndex());
      assertThat(length).isPositive();
      assertThat(offset + length).isLessThanOrEqualTo(buffer.writerIndex());
      assertThat(buffer.toString(offset, length, StandardCharsets.ISO_8859_1)).isEqualTo(expected);
      assertThat(buffer.readerIndex()).isEqualTo(HEADROOM);

      CallId probe = CallId.probe().load(buffer, offset, length);
      CallId stored = probe.copy();
      assertThat(stored).isEqualTo(probe).hasSameHashCodeAs(probe);
      assertThat(stored.toString())
          .isEqualTo(expected.substring(0, Math.min(expected.length(), CallId.MAX_KEY_BYTES)));
    } finally {
      buffer.release();
    }
  }

  /**
   * The Call-ID as a reader of whole lines sees it: after the start line, header lines up to the
   * first empty one; the first named {@code Call-ID} or {@code i} (any case, blanks before the
   * colon) decides, its value trimmed of blanks and ending at the line's end.
   */
  private static String reference(String message) {
    String[] lines = message.split("\n", -1);
    for (int i = 1; i < lines.length; i++) {
      String line = lines[i];
      if (line.isEmpty() || line.charAt(0) == '\r') {
        return null;
      }
      String lower = line.toLowerCase(java.util.Locale.ROOT);
      int nameEnd = lower.startsWith("call-id") ? 7 : lower.startsWith("i") ? 1 : -1;
      if (nameEnd < 0) {
        continue;
      }
      int colon = nameEnd;
      while (colon < line.length() && isBlank(line.charAt(colon))) {
        colon++;
      }
      if (colon >= line.length() || line.charAt(colon) != ':') {
        continue;
      }
      String value = line.substring(colon + 1);
      int cr = value.indexOf('\r');
      value = strip(cr < 0 ? value : value.substring(0, cr));
      return value.isEmpty() ? null : value;
    }
    return null;
  }

  private static String strip(String value) {
    int start = 0;
    int end = value.length();
    while (start < end && isBlank(value.charAt(start))) {
      start++;
    }
    while (end > start && isBlank(value.charAt(end - 1))) {
      end--;
    }
    return value.substring(start, end);
  }

  private static boolean isBlank(char c) {
    return c == ' ' || c == '\t';
  }
}
