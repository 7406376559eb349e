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
 * line folding, Transfer-Encoding together with Content-Length, and more than one Content-Length
 * field in any HTTP version. Netty itself refuses bare LF and CR (strict line parsing), invalid and
 * conflicting Content-Length values in HTTP/1.1, bad chunk sizes, and invalid header names and
 * values.
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
      int before = in.readerIndex();
      int oldSize = out.size();
      super.decode(ctx, in, out);
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
          }
        }
        if (decoded instanceof LastHttpContent last) {
          inHead = true;
          if (!last.decoderResult().isSuccess()) {
            rejected = true;
          }
        }
      }
      if (inHead && out.size() == oldSize && in.readerIndex() > before) {
        headStarted = true;
      }
    }

    /**
     * Whether the head in {@code in} folds a header line (a line starting with a space or tab),
     * which RFC 9112 section 5.2 lets a server reject and which proxies disagree on.
     */
    private boolean hasObsFold(ByteBuf in) {
      int i = in.readerIndex();
      int end = in.writerIndex();
      if (headStarted) {
        if (i < end && isBlank(in.getByte(i))) {
          return true;
        }
      } else {
        while (i < end && (in.getByte(i) == '\r' || in.getByte(i) == '\n')) {
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

    private static boolean isBlank(byte b) {
      return b == ' ' || b == '\t';
    }

    @Override
    protected HttpMessage createMessage(String[] initialLine) throws Exception {
      contentLengthFields = 0;
      return super.createMessage(initialLine);
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
