package io.sluice.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestEncoder;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.sluice.config.HttpConfig;
import io.sluice.testing.TrackingAllocator;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzzes what Sluice reads from HTTP/1.1 clients, through the codec the proxy runs ({@link
 * Http1Codec}: Netty's decoder made strict) and the checks {@link HttpFrontend} makes before a
 * request goes anywhere. For any bytes:
 *
 * <ul>
 *   <li>nothing throws out of the pipeline and every buffer is released;
 *   <li>how TCP happens to cut the bytes changes nothing: whole, byte by byte, or in uneven pieces,
 *       the same requests, bodies and refusals come out (a decoder that depends on it disagrees
 *       with other proxies on where a request ends);
 *   <li>an accepted request's body never passes its Content-Length, and equals it once complete;
 *   <li>an accepted request, with Sluice's identity headers set as for a server, encodes and
 *       decodes again to the same request: what a server reads is what Sluice read. Its headers
 *       hold no line break, its hop-by-hop headers are gone, and the headers Sluice vouches for are
 *       Sluice's.
 * </ul>
 */
class Http1RequestFuzzTest {
  private static final HttpConfig HTTP = HttpConfig.DEFAULT;
  private static final InetSocketAddress CLIENT = new InetSocketAddress("127.0.0.1", 40000);

  /** Byte by byte costs a decode call per byte: only for inputs up to this long. */
  private static final int BYTEWISE_LIMIT = 512;

  private final TrackingAllocator alloc = new TrackingAllocator();

  @FuzzTest
  @Timeout(10)
  void decodesRequestsTheSameWhateverTheSegmentsAndForwardsThemIntact(byte[] input) {
    List<Message> whole = decode(input, new int[] {Integer.MAX_VALUE});
    List<Message> uneven = decode(input, new int[] {1, 7, 2, 13, 3, 64, 5});
    assertThat(describe(uneven)).isEqualTo(describe(whole));
    if (input.length <= BYTEWISE_LIMIT) {
      assertThat(describe(decode(input, new int[] {1}))).isEqualTo(describe(whole));
    }
    for (Message message : whole) {
      if (message.accepted()) {
        checkFraming(message);
        checkForwarded(message);
      }
    }
  }

  /** One request as the proxy's pipeline hands it on: head, body and how it ended. */
  private static final class Message {
    HttpRequest head;
    final ByteArrayOutputStream body = new ByteArrayOutputStream();
    HttpHeaders trailers;
    DecoderResult end;

    boolean accepted() {
      return head.decoderResult().isSuccess()
          && HttpFrontend.refusal(head, HTTP.maxHeaders(), false) == 0;
    }

    boolean complete() {
      return end != null && end.isSuccess();
    }

    /**
     * The request as decoded; a refused one as just that: when a head holds two faults, which one
     * Netty meets first may depend on where the bytes were cut, and either way it is refused.
     */
    @Override
    public String toString() {
      if (!head.decoderResult().isSuccess()) {
        return "refused";
      }
      return head.method()
          + " "
          + head.uri()
          + " "
          + head.protocolVersion()
          + " "
          + result(head.decoderResult())
          + " "
          + head.headers().entries()
          + " body="
          + body.size()
          + ":"
          + java.util.Arrays.hashCode(body.toByteArray())
          + " end="
          + (end == null ? "-" : result(end))
          + " trailers="
          + (trailers == null ? "-" : trailers.entries());
    }

    private static String result(DecoderResult result) {
      return result.isSuccess() ? "ok" : "refused";
    }
  }

  private static List<String> describe(List<Message> messages) {
    return messages.stream().map(Message::toString).toList();
  }

  /** Decodes {@code input} delivered in pieces of the sizes given (cycled). */
  private List<Message> decode(byte[] input, int[] pieces) {
    List<Message> messages = new ArrayList<>();
    EmbeddedChannel channel = new EmbeddedChannel();
    channel.config().setAllocator(alloc);
    channel.pipeline().addLast(new Http1Codec(HTTP), new Collector(messages));
    int offset = 0;
    for (int i = 0; offset < input.length && channel.isOpen(); i++) {
      int length = Math.min(pieces[i % pieces.length], input.length - offset);
      ByteBuf piece = alloc.buffer(length).writeBytes(input, offset, length);
      channel.writeInbound(piece);
      offset += length;
    }
    channel.finish();
    channel.checkException();
    alloc.assertAllReleased("decoding " + input.length + " bytes");
    return messages;
  }

  /** Collects what the codec passes on, releasing each piece. */
  private static final class Collector extends ChannelInboundHandlerAdapter {
    private final List<Message> messages;

    Collector(List<Message> messages) {
      this.messages = messages;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      try {
        if (msg instanceof HttpRequest request) {
          Message message = new Message();
          message.head = copy(request);
          messages.add(message);
        }
        if (msg instanceof HttpContent content) {
          assertThat(messages).as("content without a request head").isNotEmpty();
          Message message = messages.get(messages.size() - 1);
          assertThat(message.end).as("content after the end of a request").isNull();
          ByteBuf bytes = content.content();
          bytes.getBytes(bytes.readerIndex(), message.body, bytes.readableBytes());
          if (!content.decoderResult().isSuccess()) {
            message.end = content.decoderResult();
          } else if (content instanceof LastHttpContent last) {
            message.end = last.decoderResult();
            message.trailers = last.trailingHeaders().copy();
          }
        }
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      } finally {
        ReferenceCountUtil.release(msg);
      }
    }

    private static HttpRequest copy(HttpRequest request) {
      HttpRequest copy =
          new DefaultHttpRequest(
              request.protocolVersion(), request.method(), request.uri(), request.headers().copy());
      copy.setDecoderResult(request.decoderResult());
      return copy;
    }
  }

  /**
   * Content-Length is a number that fits (never negative, never an overflow) and bounds the body; a
   * chunked body was checked by the codec chunk by chunk.
   */
  private static void checkFraming(Message message) {
    HttpRequest head = message.head;
    if (HttpUtil.isContentLengthSet(head)) {
      long length = HttpUtil.getContentLength(head);
      assertThat(length).isNotNegative();
      assertThat((long) message.body.size()).isLessThanOrEqualTo(length);
      if (message.complete()) {
        assertThat((long) message.body.size()).isEqualTo(length);
      }
    } else if (!HttpUtil.isTransferEncodingChunked(head)) {
      assertThat(message.body.size()).as("a body without framing").isZero();
    }
  }

  /**
   * What the server receives: the request as the proxy prepares it, encoded by the encoder the
   * server connections use, decodes (strictly) to the same request with the same body.
   */
  private void checkForwarded(Message message) {
    if (!message.complete()) {
      return;
    }
    HttpRequest prepared =
        new DefaultHttpRequest(
            message.head.protocolVersion(),
            message.head.method(),
            message.head.uri(),
            message.head.headers().copy());
    Identity.prepare(
        prepared,
        HTTP,
        new ClientConnection(CLIENT, false),
        prepared.headers().get(HttpHeaderNames.HOST),
        false);
    // As HttpExchange does: servers are spoken to in HTTP/1.1.
    prepared.setProtocolVersion(HttpVersion.HTTP_1_1);
    checkIdentity(prepared.headers());

    EmbeddedChannel encoder = new EmbeddedChannel(new HttpRequestEncoder());
    encoder.config().setAllocator(alloc);
    byte[] body = message.body.toByteArray();
    encoder.writeOutbound(prepared);
    if (body.length > 0) {
      encoder.writeOutbound(new DefaultHttpContent(alloc.buffer().writeBytes(body)));
    }
    LastHttpContent last = new DefaultLastHttpContent(alloc.buffer(0));
    last.trailingHeaders().set(message.trailers);
    encoder.writeOutbound(last);
    ByteArrayOutputStream wire = new ByteArrayOutputStream();
    for (Object encoded; (encoded = encoder.readOutbound()) != null; ) {
      ByteBuf bytes = (ByteBuf) encoded;
      wire.writeBytes(io.netty.buffer.ByteBufUtil.getBytes(bytes));
      bytes.release();
    }
    encoder.finishAndReleaseAll();

    List<Message> received = decode(wire.toByteArray(), new int[] {Integer.MAX_VALUE});
    assertThat(received).as("requests the server reads").hasSize(1);
    Message server = received.get(0);
    assertThat(server.accepted()).as("the server accepts " + server).isTrue();
    assertThat(server.complete()).isTrue();
    assertThat(server.head.method()).isEqualTo(prepared.method());
    assertThat(withPath(server.head.uri())).isEqualTo(withPath(prepared.uri()));
    assertThat(entries(server.head.headers())).isEqualTo(entries(prepared.headers()));
    assertThat(server.body.toByteArray()).isEqualTo(body);
    assertThat(entries(server.trailers)).isEqualTo(entries(message.trailers));
  }

  /**
   * An absolute-form target with its empty path written {@code /}, as Netty's encoder writes it:
   * the same resource (RFC 9110 section 4.2.3).
   */
  private static String withPath(String uri) {
    int scheme = uri.indexOf("://");
    if (scheme < 0 || uri.startsWith("/")) {
      return uri;
    }
    int query = uri.indexOf('?', scheme);
    int pathEnd = query < 0 ? uri.length() : query;
    if (uri.lastIndexOf('/', pathEnd - 1) >= scheme + 3) {
      return uri;
    }
    return uri.substring(0, pathEnd) + "/" + uri.substring(pathEnd);
  }

  private static void checkIdentity(HttpHeaders headers) {
    for (Map.Entry<String, String> header : headers) {
      assertThat(header.getValue()).doesNotContain("\r", "\n", "\0");
      assertThat(header.getKey()).matches("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
    }
    for (String hopByHop :
        List.of("connection", "keep-alive", "proxy-connection", "te", "upgrade", "x-real-ip")) {
      assertThat(headers.contains(hopByHop)).as(hopByHop).isFalse();
    }
    for (String certificate :
        List.of(
            Identity.X_SSL_CERT,
            Identity.X_FORWARDED_TLS_CLIENT_CERT,
            Identity.X_SSL_CLIENT_SHA256)) {
      assertThat(headers.contains(certificate)).as(certificate).isFalse();
    }
    List<String> chain = headers.getAll(Identity.X_FORWARDED_FOR);
    assertThat(chain).hasSize(1);
    String forwardedFor = chain.get(0);
    assertThat(forwardedFor.substring(forwardedFor.lastIndexOf(',') + 1).strip())
        .isEqualTo(CLIENT.getAddress().getHostAddress());
    assertThat(headers.getAll(Identity.X_FORWARDED_PROTO)).containsExactly("http");
    assertThat(headers.getAll(Identity.TRACEPARENT)).hasSize(1);
    assertThat(Identity.validTraceparent(headers.get(Identity.TRACEPARENT))).isTrue();
  }

  private static List<String> entries(HttpHeaders headers) {
    List<String> entries = new ArrayList<>();
    for (Map.Entry<String, String> header : headers) {
      entries.add(header.getKey().toLowerCase(java.util.Locale.ROOT) + ": " + header.getValue());
    }
    return entries;
  }
}
