package io.sluice.proxy.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.sluice.observe.HttpRecord;
import io.sluice.observe.TerminationState;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One HTTP/1.1 client connection, or one HTTP/2 stream: reads requests one at a time, checks them,
 * and hands each to an {@link HttpExchange}; between requests, bounds how long the client may take
 * (request head timeout, keep-alive timeout).
 *
 * <p>Requests are read on demand (auto-read off, a {@link io.netty.handler.flow.FlowControlHandler}
 * in front on HTTP/1.1): a pipelined request waits, decoded, until the response before it is
 * complete, and a request body is read only as fast as its server takes it.
 *
 * <p>Threads: the connection's event loop.
 */
final class HttpFrontend extends ChannelInboundHandlerAdapter implements Runnable {
  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(HttpFrontend.class);

  private final HttpListenerContext context;
  private final ClientConnection client;
  private final boolean stream;
  private ChannelHandlerContext ctx;
  private HttpExchange exchange;
  private ScheduledFuture<?> timer;
  private long waitStartNanos = System.nanoTime();
  private long waitStartMillis = System.currentTimeMillis();
  private boolean inputShut;
  private boolean closed;

  /** The process is draining: close after the response in progress ({@link HttpDrain}). */
  private boolean draining;

  /**
   * @param stream whether this frontend serves one HTTP/2 stream (its channel is the stream's)
   */
  HttpFrontend(HttpListenerContext context, ClientConnection client, boolean stream) {
    this.context = context;
    this.client = client;
    this.stream = stream;
  }

  HttpListenerContext context() {
    return context;
  }

  ClientConnection client() {
    return client;
  }

  boolean isStream() {
    return stream;
  }

  Channel channel() {
    return ctx.channel();
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    if (ctx.channel().isActive() || stream) {
      awaitRequest(context.http().timeouts().requestHead().toNanos());
    }
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    ctx.fireChannelActive();
  }

  private void awaitRequest(long timeoutNanos) {
    cancelTimer();
    timer = ctx.executor().schedule(this, timeoutNanos, TimeUnit.NANOSECONDS);
    ctx.read();
  }

  /** The request head or keep-alive timeout passed with no request. */
  @Override
  public void run() {
    timer = null;
    if (exchange == null && !closed) {
      // A slow head (slowloris) or an idle keep-alive connection: close, as HAProxy does.
      closed = true;
      ctx.close();
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof HttpRequest request) {
      if (exchange != null || closed) {
        ReferenceCountUtil.release(msg);
        return;
      }
      cancelTimer();
      int refusal = refusal(request, context.http().maxHeaders(), stream);
      if (refusal != 0) {
        ReferenceCountUtil.release(msg);
        context.stats().rejected();
        refuse(refusal, request, TerminationState.PROXY_REJECTED_REQUEST);
        return;
      }
      if (!context.memory().admitsNewWork()) {
        // A new request while only the buffer reserve is left: refused before it costs a buffer.
        ReferenceCountUtil.release(msg);
        context.memory().refused();
        refuse(503, request, TerminationState.RESOURCE_LIMIT_DURING_REQUEST);
        return;
      }
      if (AcmeHttpChallenge.answer(this, request)) {
        ReferenceCountUtil.release(msg);
        return;
      }
      exchange = new HttpExchange(this, request, waitStartMillis, waitStartNanos);
      exchange.begin();
    } else if (msg instanceof HttpContent content) {
      if (exchange != null) {
        exchange.requestContent(content);
      } else {
        // The empty end of a request without a body, read after its exchange: on to the next.
        content.release();
        if (!closed) {
          ctx.read();
        }
      }
    } else {
      ReferenceCountUtil.release(msg);
    }
  }

  /**
   * The status a request is refused with before it goes anywhere, or 0. Netty's decoder flags what
   * it could not parse; the rest are RFC 9112's framing rules and this listener's limits.
   *
   * @param stream whether the request came as an HTTP/2 stream, whose framing HTTP/2 defines
   */
  static int refusal(HttpRequest request, int maxHeaders, boolean stream) {
    DecoderResult result = request.decoderResult();
    if (!result.isSuccess()) {
      Throwable cause = result.cause();
      if (cause instanceof TooLongHttpLineException) {
        return 414;
      }
      if (cause instanceof TooLongHttpHeaderException || cause instanceof TooLongFrameException) {
        return 431;
      }
      return 400;
    }
    if (!isRequestTarget(request.uri())) {
      return 400;
    }
    HttpHeaders headers = request.headers();
    if (headers.size() > maxHeaders) {
      return 431;
    }
    if (stream) {
      return 0;
    }
    List<String> encodings = headers.getAll(HttpHeaderNames.TRANSFER_ENCODING);
    if (!encodings.isEmpty()) {
      // Only a single "chunked" is unambiguous; HTTP/1.0 has no Transfer-Encoding at all. By
      // instance on purpose: Netty's guard against it with Content-Length fires only for HTTP_1_1.
      if (encodings.size() > 1
          || !encodings.get(0).strip().equalsIgnoreCase("chunked")
          || request.protocolVersion() != HttpVersion.HTTP_1_1) {
        return 400;
      }
    }
    List<String> hosts = headers.getAll(HttpHeaderNames.HOST);
    // By number, not by instance: Netty makes a new instance for "http/1.1" or "HTTP/1.2", which
    // a server takes as HTTP/1.1 (RFC 9110 section 6.2); only HTTP/1.0 may go without a Host.
    HttpVersion version = request.protocolVersion();
    boolean http10 = version.majorVersion() == 1 && version.minorVersion() == 0;
    if (hosts.size() > 1 || (hosts.isEmpty() && !http10)) {
      return 400;
    }
    if (HttpMethod.CONNECT.equals(request.method())) {
      return 501;
    }
    return 0;
  }

  /**
   * Whether {@code uri} is made of the visible ASCII characters a request target may hold (RFC 9112
   * section 3.2, RFC 3986). Netty reads other bytes one character each and its encoder writes the
   * target as UTF-8: a server behind Sluice would read other bytes than the client sent.
   */
  static boolean isRequestTarget(String uri) {
    for (int i = 0; i < uri.length(); i++) {
      char c = uri.charAt(i);
      if (c <= ' ' || c >= 0x7F) {
        return false;
      }
    }
    return true;
  }

  /** Answers {@code request} with Sluice's own {@code status} and ends it as {@code state}. */
  private void refuse(int status, HttpRequest request, TerminationState state) {
    long bytes = answer(status, -1);
    closed = true;
    context.stats().ended(state, status);
    if (!context.accessLog().enabled()) {
      return;
    }
    context
        .accessLog()
        .record(
            new HttpRecord(
                waitStartMillis,
                client.addressText(),
                context.listener(),
                "-",
                HttpExchange.NO_SERVER,
                millisSince(waitStartNanos),
                -1,
                -1,
                -1,
                0,
                status,
                bytes,
                state,
                0,
                0,
                0,
                HttpExchange.requestLine(
                    request.method(), request.uri(), request.protocolVersion(), stream),
                client.tlsSummary()));
  }

  /**
   * Sends one of Sluice's own answers and, on HTTP/1.1, closes the connection after it; an HTTP/2
   * stream just ends. Returns the bytes sent.
   */
  long answer(int status, int retryAfter) {
    context.stats().localAnswer(status);
    if (stream) {
      FullHttpResponse response = LocalResponses.message(status, retryAfter);
      long bytes = response.content().readableBytes();
      ctx.writeAndFlush(response);
      return bytes;
    }
    ByteBuf encoded =
        retryAfter >= 0 ? context.answers().overloadH1(retryAfter) : context.answers().h1(status);
    long bytes = encoded.readableBytes();
    // Written below the HTTP codec: the bytes are already an encoded response.
    ChannelHandlerContext below = ctx.pipeline().context(Http1Codec.class);
    (below != null ? below : ctx).writeAndFlush(encoded).addListener(ChannelFutureListener.CLOSE);
    closed = true;
    return bytes;
  }

  /**
   * Sends {@code response}, one of Sluice's own answers built per request, and on HTTP/1.1 closes
   * the connection after it.
   */
  void answer(FullHttpResponse response) {
    if (stream) {
      ctx.writeAndFlush(response);
      return;
    }
    response.headers().set(HttpHeaderNames.CONNECTION, "close");
    ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    closed = true;
  }

  /** Asks for the next piece of the request body. */
  void readBody() {
    ctx.read();
  }

  void write(Object msg) {
    ctx.write(msg, ctx.voidPromise());
  }

  void writeAndFlush(Object msg) {
    ctx.writeAndFlush(msg, ctx.voidPromise());
  }

  /** Writes {@code msg} and runs {@code written} once it is in the kernel (or failed). */
  void writeAndFlush(Object msg, ChannelFutureListener written) {
    ctx.writeAndFlush(msg).addListener(written);
  }

  void flush() {
    ctx.flush();
  }

  boolean isWritable() {
    return ctx.channel().isWritable();
  }

  /**
   * The exchange is over. With {@code keepAlive} the connection waits for the next request; else it
   * closes once what was written is sent.
   */
  void exchangeEnded(boolean keepAlive) {
    exchange = null;
    waitStartNanos = System.nanoTime();
    waitStartMillis = System.currentTimeMillis();
    if (closed || ctx.isRemoved()) {
      return;
    }
    if (stream) {
      // The stream is done once its response is; HTTP/2 closes it with the last frame.
      closed = true;
      return;
    }
    if (!keepAlive || inputShut || draining) {
      closed = true;
      ctx.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER)
          .addListener(ChannelFutureListener.CLOSE);
      return;
    }
    awaitRequest(context.http().timeouts().keepAlive().toNanos());
  }

  /**
   * Resets the client connection (HTTP/1.1) or the stream (HTTP/2) at once: a response cut short
   * must never end the way a whole one does. A FIN after part of a body delimited by the close
   * would hand the client a truncated body as complete; a reset (SO_LINGER 0) cannot be mistaken.
   */
  void abort() {
    closed = true;
    if (!stream) {
      ctx.channel().config().setOption(ChannelOption.SO_LINGER, 0);
    }
    ctx.close();
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (exchange != null) {
      exchange.clientWritabilityChanged(ctx.channel().isWritable());
    }
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt == HttpDrain.EVENT) {
      draining = true;
      if (exchange == null && !closed) {
        closed = true;
        ctx.close();
      }
      return;
    }
    if (evt instanceof ChannelInputShutdownEvent) {
      inputShut = true;
      if (exchange == null) {
        closed = true;
        ctx.close();
      } else {
        exchange.clientInputShut();
      }
      return;
    }
    ReferenceCountUtil.release(evt);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    closed = true;
    cancelTimer();
    if (exchange != null) {
      HttpExchange current = exchange;
      exchange = null;
      current.clientClosed();
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    // Resets and broken pipes are the client's business; anything else ends the connection too.
    // An Error (out of memory above all) is Sluice's, and must show.
    if (cause instanceof Error) {
      log.error("listener {}: client {}: {}", context.listener(), client.addressText(), cause);
    } else if (!(cause instanceof IOException)) {
      log.debug("listener {}: client {}: {}", context.listener(), client.addressText(), cause);
    }
    ctx.close();
  }

  private void cancelTimer() {
    if (timer != null) {
      timer.cancel(false);
      timer = null;
    }
  }

  static long millisSince(long startNanos) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
  }
}
