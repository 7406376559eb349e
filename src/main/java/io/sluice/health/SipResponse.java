package io.sluice.health;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One SIP response as a check reads it (RFC 3261 §7): the status of its start line and the headers
 * a check matches on, or why the bytes are not a response. Parsing never throws: garbage,
 * truncation and oversize all come back as a result with a {@link #problem}.
 *
 * <p>Text is bytes read as ISO-8859-1, so that an index into it is an offset into the bytes.
 *
 * @param status 100 to 699; 0 when malformed
 * @param callId the Call-ID header, trimmed
 * @param cseq the CSeq header as sequence number, one space and method: {@code 1 OPTIONS}
 * @param length the bytes the message took, start line to the end of its body
 * @param problem why the bytes are not a response, or null
 */
record SipResponse(int status, String callId, String cseq, int length, String problem) {
  /**
   * 8 KiB of start line and headers: a response to OPTIONS has a dozen short headers, and a larger
   * head is garbage or an attack, not an answer.
   */
  static final int MAX_HEAD = 8 * 1024;

  /** 64 KiB of body: room for an SDP offer or an Allow list, as in the HTTP check. */
  static final int MAX_BODY = 64 * 1024;

  /** A stream that has not yet delivered a whole message. */
  static final SipResponse INCOMPLETE = new SipResponse(0, null, null, 0, null);

  private static final Pattern START_LINE =
      Pattern.compile("SIP/2\\.0 ([1-6][0-9][0-9])(?: [^\\x00-\\x08\\x0A-\\x1F\\x7F]*)?");

  /** RFC 3261 §25.1 token, for header names and methods. */
  private static final String TOKEN = "[A-Za-z0-9.!%*_+`'~-]+";

  private static final Pattern HEADER = Pattern.compile("(" + TOKEN + ")[ \\t]*:(.*)");
  private static final Pattern CSEQ = Pattern.compile("([0-9]{1,10})[ \\t]+(" + TOKEN + ")");
  private static final Pattern CONTENT_LENGTH = Pattern.compile("[0-9]{1,9}");

  static SipResponse malformed(String problem) {
    return new SipResponse(0, null, null, 0, problem);
  }

  boolean provisional() {
    return status < 200;
  }

  /** A whole message in one datagram (RFC 3261 §18.3: a shorter body than announced is dropped). */
  static SipResponse parseDatagram(CharSequence text) {
    int headEnd = headEnd(text);
    if (headEnd < 0) {
      return malformed(
          text.length() > MAX_HEAD
              ? "headers longer than " + MAX_HEAD + " bytes"
              : "no end of headers");
    }
    Head head = Head.parse(text.subSequence(0, headEnd).toString());
    if (head.problem != null) {
      return malformed(head.problem);
    }
    int body = text.length() - headEnd;
    if (head.contentLength > body) {
      return malformed("Content-Length " + head.contentLength + " but " + body + " body bytes");
    }
    return head.response(headEnd + Math.max(head.contentLength, 0));
  }

  /**
   * The first message of a stream, or {@link #INCOMPLETE} while its bytes have not all come. On a
   * stream Content-Length is mandatory (RFC 3261 §18.3): it is the only way to find the next one.
   */
  static SipResponse parseStream(CharSequence text) {
    int headEnd = headEnd(text);
    if (headEnd < 0) {
      return text.length() > MAX_HEAD
          ? malformed("headers longer than " + MAX_HEAD + " bytes")
          : INCOMPLETE;
    }
    Head head = Head.parse(text.subSequence(0, headEnd).toString());
    if (head.problem != null) {
      return malformed(head.problem);
    }
    if (head.contentLength < 0) {
      return malformed("no Content-Length on a stream");
    }
    if (head.contentLength > MAX_BODY) {
      return malformed("body longer than " + MAX_BODY + " bytes");
    }
    int length = headEnd + head.contentLength;
    return text.length() < length ? INCOMPLETE : head.response(length);
  }

  /** The offset just past the empty line that ends the head, or -1; looks at MAX_HEAD bytes. */
  private static int headEnd(CharSequence text) {
    int limit = Math.min(text.length(), MAX_HEAD);
    for (int i = 0; i < limit; i++) {
      if (text.charAt(i) != '\n') {
        continue;
      }
      if (i + 1 < text.length() && text.charAt(i + 1) == '\n') {
        return i + 2;
      }
      if (i + 2 < text.length() && text.charAt(i + 1) == '\r' && text.charAt(i + 2) == '\n') {
        return i + 3;
      }
    }
    return -1;
  }

  /** The start line and the headers a check needs, read from the head alone. */
  private static final class Head {
    private int status;
    private String callId;
    private String cseq;
    private int contentLength = -1;
    private boolean hasVia;
    private boolean hasFrom;
    private boolean hasTo;
    private String problem;

    static Head parse(String text) {
      Head head = new Head();
      head.read(text.split("\r?\n", -1));
      return head;
    }

    SipResponse response(int length) {
      return new SipResponse(status, callId, cseq, length, null);
    }

    private void read(String[] lines) {
      Matcher start = START_LINE.matcher(lines[0]);
      if (!start.matches()) {
        problem = "not a SIP/2.0 status line";
        return;
      }
      status = Integer.parseInt(start.group(1));
      String name = null;
      StringBuilder value = new StringBuilder();
      // The head ends with an empty line: the last element of the split is that line, and so is
      // the second-to-last.
      for (int i = 1; i < lines.length - 2 && problem == null; i++) {
        String line = lines[i];
        if (hasControlCharacter(line)) {
          problem = "control character in headers";
        } else if (line.startsWith(" ") || line.startsWith("\t")) {
          if (name == null) {
            problem = "continuation line before any header";
          }
          value.append(' ').append(line.trim());
        } else {
          if (name != null) {
            header(name, value.toString().trim());
          }
          Matcher header = HEADER.matcher(line);
          if (!header.matches()) {
            problem = "not a header line";
            return;
          }
          name = header.group(1).toLowerCase(Locale.ROOT);
          value.setLength(0);
          value.append(header.group(2));
        }
      }
      if (name != null && problem == null) {
        header(name, value.toString().trim());
      }
      if (problem == null && (callId == null || cseq == null || !hasVia || !hasFrom || !hasTo)) {
        problem = "missing Via, From, To, Call-ID or CSeq";
      }
    }

    /** Keeps what a check needs; names compare case-insensitively, compact forms included. */
    private void header(String name, String value) {
      switch (name) {
        case "call-id", "i" -> callId = once(callId, value, "Call-ID");
        case "cseq" -> cseq = once(cseq, normalCseq(value), "CSeq");
        case "content-length", "l" -> contentLength(value);
        case "via", "v" -> hasVia = true;
        case "from", "f" -> hasFrom = true;
        case "to", "t" -> hasTo = true;
        default -> {
          // not needed to judge a check
        }
      }
    }

    private String once(String previous, String value, String name) {
      if (previous != null) {
        problem = "more than one " + name;
      } else if (value == null || value.isEmpty()) {
        problem = "bad " + name;
      }
      return value;
    }

    private void contentLength(String value) {
      if (contentLength >= 0) {
        problem = "more than one Content-Length";
      } else if (!CONTENT_LENGTH.matcher(value).matches()) {
        problem = "bad Content-Length";
      } else {
        contentLength = Integer.parseInt(value);
      }
    }

    private static String normalCseq(String value) {
      Matcher cseq = CSEQ.matcher(value);
      return cseq.matches() ? Long.parseLong(cseq.group(1)) + " " + cseq.group(2) : null;
    }

    private static boolean hasControlCharacter(String line) {
      for (int i = 0; i < line.length(); i++) {
        char c = line.charAt(i);
        if ((c < 0x20 && c != '\t') || c == 0x7F) {
          return true;
        }
      }
      return false;
    }
  }
}
