package io.sluice.proxy.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.CombinedChannelDuplexHandler;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AsciiString;
import io.sluice.config.HttpConfig;
import java.util.List;

/**
 * The HTTP/1.1 codec towards clients: Netty's decoder, made stricter where request smuggling hides
 * (RFC 9112 section 6.1 and 5.2), and an encoder that knows which responses answer HEAD.
 *
 * <p>Rejected outright, as a request whose decoder result is a {@link Malformed} failure: obsolete
 * line folding, Transfer-Encoding together with Content-Length, more than one Content-Length field
 * in any HTTP version, and a method that is not a token. Netty itself refuses bare LF and CR
 * (strict line parsing), invalid and conflicting Content-Length values in HTTP/1.1, bad chunk
 * sizes, and invalid header names and values.
 *
 * <p>Threads: one instance per connection, on its event loop.
 */
final class Http1Codec
    extends CombinedChannelDuplexHandler<HttpRequestDecoder, HttpResponseEncoder> {
  /** A request refused before it reached a handler, with the reason. */
  static final class Malformed extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Malformed(String message) {
      super(message, null, false, false);
    }
  }

  /** The methods of requests not yet answered, in order (pipelining). */
  private final java.util.ArrayDeque<HttpMethod> methods = new java.util.ArrayDeque<>(4);

  Http1Codec(HttpConfig http) {
    HttpDecoderConfig config =
        new HttpDecoderConfig()
            .setMaxInitialLineLength(http.maxRequestLine())
            .setMaxHeaderSize((int) http.maxHeaderSize().bytes())
            .setMaxChunkSize(64 * 1024)
            .setAllowDuplicateContentLengths(false)
            .setAllowPartialChunks(true)
            .setValidateHeaders(true)
            .setStrictLineParsing(true);
    init(new StrictDecoder(config), new Encoder());
  }

  private final class StrictDecoder extends HttpRequestDecoder {
    /** Between requests: the next bytes are a request head. */
    private boolean inHead = true;

    /** Part of the current head (its request line at least) was consumed already. */
    private boolean headStarted;

    /** A malformed request was reported; everything after it is discarded. */
    private boolean rejected;

    /** Content-Length fields in the head being decoded. */
    private int contentLengthFields;

    /** Checks the sizes of a chunked body's chunks; {@code null} outside chunked bodies. */
    private ChunkSizes chunks;

    /** Bytes the decoder consumed since the connection began, to locate {@link #chunks}. */
    private long consumed;

    StrictDecoder(HttpDecoderConfig config) {
      super(config);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out)
        throws Exception {
      if (rejected) {
        in.skipBytes(in.readableBytes());
        return;
      }
      if (inHead && hasObsFold(in)) {
        in.skipBytes(in.readableBytes());
        rejected = true;
        out.add(malformed("obsolete line folding"));
        return;
      }
      if (chunks != null && !chunks.scan(in, in.readerIndex() + (int) (chunks.at - consumed))) {
        // Netty reads a size past 2^31 as its low bits: a front proxy reading the real size would
        // see a different request end (and a smuggled request after it).
        in.skipBytes(in.readableBytes());
        rejected = true;
        LastHttpContent bad = new io.netty.handler.codec.http.DefaultLastHttpContent();
        bad.setDecoderResult(DecoderResult.failure(new Malformed("chunk size out of range")));
        out.add(bad);
        return;
      }
      int before = in.readerIndex();
      int oldSize = out.size();
      super.decode(ctx, in, out);
      consumed += in.readerIndex() - before;
      for (int i = oldSize; i < out.size(); i++) {
        Object decoded = out.get(i);
        if (decoded instanceof HttpRequest request) {
          methods.add(request.method());
          inHead = false;
          headStarted = false;
          if (contentLengthFields > 1 && request.decoderResult().isSuccess()) {
            request.setDecoderResult(
                DecoderResult.failure(new Malformed("more than one Content-Length")));
          }
          if (!request.decoderResult().isSuccess()) {
            rejected = true;
          } else if (io.netty.handler.codec.http.HttpUtil.isTransferEncodingChunked(request)) {
            chunks = new ChunkSizes(consumed);
          }
        }
        if (decoded instanceof LastHttpContent last) {
          inHead = true;
          chunks = null;
          if (!last.decoderResult().isSuccess()) {
            rejected = true;
          }
        }
      }
      if (inHead && out.size() == oldSize && consumedMoreThanControls(in, before)) {
        headStarted = true;
      }
    }

    /**
     * At the connection's end Netty's decoder hands on the request it was reading, as cut short;
     * after a refusal that request is the refused one, already reported.
     */
    @Override
    protected void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out)
        throws Exception {
      if (rejected) {
        in.skipBytes(in.readableBytes());
        return;
      }
      super.decodeLast(ctx, in, out);
    }

    /**
     * Whether the head in {@code in} folds a header line (a line starting with a space or tab),
     * which RFC 9112 section 5.2 lets a server reject and which proxies disagree on.
     */
    private boolean hasObsFold(ByteBuf in) {
      int i = in.readerIndex();
      int end = in.writerIndex();
      if (headStarted) {
        // Netty consumes whole lines only: these bytes start a line, and the empty one ends the
        // head
        // (the bytes after it are a body or the next request, not this head's lines).
        if (i < end) {
          byte first = in.getByte(i);
          if (isBlank(first)) {
            return true;
          }
          if (first == '\r' || first == '\n') {
            return false;
          }
        }
      } else {
        // What Netty skips before a request line (the empty lines RFC 9112 section 2.2 allows, and
        // any control byte or blank): a line break there starts no header line.
        while (i < end && skippedBeforeRequestLine(in.getByte(i))) {
          i++;
        }
      }
      for (; i < end - 1; i++) {
        if (in.getByte(i) == '\n') {
          byte next = in.getByte(i + 1);
          if (isBlank(next)) {
            return true;
          }
          if (next == '\r' || next == '\n') {
            return false;
          }
        }
      }
      return false;
    }

    /**
     * Whether the decoder consumed part of a head, rather than only the control characters and
     * blanks it skips before a request line (the empty lines RFC 9112 section 2.2 lets a server
     * ignore): after those, a blank is no folded line.
     */
    private static boolean consumedMoreThanControls(ByteBuf in, int from) {
      for (int i = from; i < in.readerIndex(); i++) {
        if (!skippedBeforeRequestLine(in.getByte(i))) {
          return true;
        }
      }
      return false;
    }

    private static boolean skippedBeforeRequestLine(byte b) {
      char c = (char) (b & 0xFF);
      return Character.isISOControl(c) || Character.isWhitespace(c);
    }

    private static boolean isBlank(byte b) {
      return b == ' ' || b == '\t';
    }

    /**
     * Refuses a method that is not a token (RFC 9112 section 3.1): Netty trims control bytes off a
     * method it does not know, so {@code CONNECT\1\0} would pass as a CONNECT of its own making
     * that no check for {@link HttpMethod#CONNECT} recognises, and that a server reads as CONNECT.
     */
    @Override
    protected HttpMessage createMessage(String[] initialLine) throws Exception {
      contentLengthFields = 0;
      if (!isToken(initialLine[0])) {
        throw new Malformed("a method that is not a token");
      }
      return super.createMessage(initialLine);
    }

    private static boolean isToken(String text) {
      if (text.isEmpty()) {
        return false;
      }
      for (int i = 0; i < text.length(); i++) {
        char c = text.charAt(i);
        boolean alphanumeric =
            (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (!alphanumeric && "!#$%&'*+-.^_`|~".indexOf(c) < 0) {
          return false;
        }
      }
      return true;
    }

    /**
     * Counts the head's Content-Length fields: for HTTP/1.0 Netty keeps the first of several
     * different values and drops the others, where RFC 9112 section 6.3 calls the framing invalid;
     * a proxy in front that read another value would then disagree on where the body ends.
     */
    @Override
    protected AsciiString splitHeaderName(byte[] sb, int start, int length) {
      AsciiString name = super.splitHeaderName(sb, start, length);
      if (HttpHeaderNames.CONTENT_LENGTH.contentEqualsIgnoreCase(name)) {
        contentLengthFields++;
      }
      return name;
    }

    @Override
    protected void handleTransferEncodingChunkedWithContentLength(HttpMessage message) {
      // RFC 9112 section 6.1 lets a server reject it, and a proxy that forwards such a request is
      // exactly where smuggling happens.
      message.setDecoderResult(
          DecoderResult.failure(new Malformed("Transfer-Encoding with Content-Length")));
    }
  }

  /**
   * Follows a chunked body's framing ahead of Netty's decoder, only to refuse a chunk size that
   * does not fit in 31 bits, which Netty's parser would silently truncate.
   */
  private static final class ChunkSizes {
    private static final int SIZE = 0;
    private static final int EXTENSION = 1;
    private static final int DATA = 2;
    private static final int TRAILER = 3;

    /** The stream offset of the next byte to look at. */
    long at;

    private int state = SIZE;
    private long size;
    private boolean lineEmpty = true;

    ChunkSizes(long at) {
      this.at = at;
    }

    /**
     * Looks at the bytes of {@code in} from {@code from} on; {@code false} when a chunk size is out
     * of range.
     */
    boolean scan(ByteBuf in, int from) {
      int i = Math.max(from, in.readerIndex());
      int end = in.writerIndex();
      while (i < end) {
        byte b = in.getByte(i);
        switch (state) {
          case SIZE -> {
            int digit = Character.digit(b, 16);
            if (digit >= 0) {
              size = size * 16 + digit;
              if (size > Integer.MAX_VALUE) {
                return false;
              }
            } else if (b == '\n') {
              state = size == 0 ? TRAILER : DATA;
              lineEmpty = true;
            } else if (b != '\r') {
              state = EXTENSION;
            }
            i++;
          }
          case EXTENSION -> {
            if (b == '\n') {
              state = size == 0 ? TRAILER : DATA;
              lineEmpty = true;
            }
            i++;
          }
          case DATA -> {
            // The data, then its CRLF; the next size line follows.
            long skip = Math.min(size + 2, end - i);
            i += (int) skip;
            size -= skip;
            if (size == -2) {
              state = SIZE;
              size = 0;
            }
          }
          default -> {
            // Trailer lines up to an empty one; after it, nothing more of this body.
            if (b == '\n') {
              if (lineEmpty) {
                at += i + 1 - from;
                return true;
              }
              lineEmpty = true;
            } else if (b != '\r') {
              lineEmpty = false;
            }
            i++;
          }
        }
      }
      at += end - Math.max(from, in.readerIndex());
      return true;
    }
  }

  private static HttpRequest malformed(String reason) {
    HttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/");
    request.setDecoderResult(DecoderResult.failure(new Malformed(reason)));
    return request;
  }

  private final class Encoder extends HttpResponseEncoder {
    @Override
    protected boolean isContentAlwaysEmpty(HttpResponse msg) {
      // 1xx answers precede the final one; they do not use up the request.
      if (msg.status().codeClass() == io.netty.handler.codec.http.HttpStatusClass.INFORMATIONAL
          && msg.status().code() != 101) {
        return super.isContentAlwaysEmpty(msg);
      }
      HttpMethod method = methods.poll();
      return HttpMethod.HEAD.equals(method) || super.isContentAlwaysEmpty(msg);
    }
  }
}
