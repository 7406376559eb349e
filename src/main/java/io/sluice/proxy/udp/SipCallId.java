package io.sluice.proxy.udp;

import io.netty.buffer.ByteBuf;

/**
 * Finds the {@code Call-ID} header (RFC 3261 §20.8), or its compact form {@code i}, in a SIP
 * message without decoding it: one pass over the header lines, comparing names case-insensitively,
 * stopping at the blank line that ends the headers. No allocation and no exception, whatever the
 * bytes.
 */
final class SipCallId {
  /** Returned when the datagram has no Call-ID: not SIP, or a keep-alive (RFC 5626 CRLFs). */
  static final long NONE = -1;

  private static final byte[] LONG_NAME = {'c', 'a', 'l', 'l', '-', 'i', 'd'};

  private SipCallId() {}

  /**
   * Where the Call-ID value stands in {@code message}'s readable bytes.
   *
   * @return {@code offset << 32 | length} (the offset absolute in the buffer), or {@link #NONE}
   */
  static long find(ByteBuf message) {
    int end = message.writerIndex();
    // The first line is the request or status line: headers start after it.
    int line = nextLine(message, message.readerIndex(), end);
    while (line < end) {
      byte first = message.getByte(line);
      if (first == '\r' || first == '\n') {
        return NONE;
      }
      int colon = headerValueStart(message, line, end);
      if (colon >= 0) {
        return value(message, colon, end);
      }
      line = nextLine(message, line, end);
    }
    return NONE;
  }

  /** After the colon of a Call-ID header starting at {@code line}; -1 for any other header. */
  private static int headerValueStart(ByteBuf message, int line, int end) {
    int nameEnd;
    if (matches(message, line, end, LONG_NAME)) {
      nameEnd = line + LONG_NAME.length;
    } else if ((message.getByte(line) | 0x20) == 'i') {
      nameEnd = line + 1;
    } else {
      return -1;
    }
    int i = nameEnd;
    while (i < end && isSpace(message.getByte(i))) {
      i++;
    }
    return i < end && message.getByte(i) == ':' ? i + 1 : -1;
  }

  private static boolean matches(ByteBuf message, int at, int end, byte[] lowerCaseName) {
    if (end - at < lowerCaseName.length) {
      return false;
    }
    for (int i = 0; i < lowerCaseName.length; i++) {
      byte expected = lowerCaseName[i];
      byte actual = message.getByte(at + i);
      // Case folds letters only: folded the same way, a CR would pass for the name's '-'.
      if (expected >= 'a' && expected <= 'z' ? (actual | 0x20) != expected : actual != expected) {
        return false;
      }
    }
    return true;
  }

  private static long value(ByteBuf message, int from, int end) {
    int start = from;
    while (start < end && isSpace(message.getByte(start))) {
      start++;
    }
    int stop = start;
    while (stop < end && message.getByte(stop) != '\r' && message.getByte(stop) != '\n') {
      stop++;
    }
    while (stop > start && isSpace(message.getByte(stop - 1))) {
      stop--;
    }
    return stop > start ? ((long) start << 32) | (stop - start) : NONE;
  }

  /** The start of the line after the one at {@code from}, or {@code end}. */
  private static int nextLine(ByteBuf message, int from, int end) {
    int newline = message.indexOf(from, end, (byte) '\n');
    return newline < 0 ? end : newline + 1;
  }

  private static boolean isSpace(byte b) {
    return b == ' ' || b == '\t';
  }
}
