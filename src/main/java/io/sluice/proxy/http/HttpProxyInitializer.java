package io.sluice.proxy.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.flow.FlowControlHandler;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.sluice.config.HttpConfig;
import io.sluice.net.ProxiedAddresses;
import io.sluice.net.ProxyV2TlvCheck;
import io.sluice.net.SocketAddresses;
import io.sluice.observe.HttpRecord;
import io.sluice.observe.TerminationState;
import io.sluice.tls.TlsTerminator;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * What an accepted HTTP connection goes through before its first request: the PROXY header when the
 * listener takes one, the TLS handshake on {@code https} listeners, and the choice of protocol:
 * ALPN's {@code h2} or HTTP/1.1 over TLS; over plain TCP, HTTP/2 when the client opens with its
 * connection preface (prior knowledge, {@code h2c}), else HTTP/1.1.
 */
@Sharable
public final class HttpProxyInitializer extends ChannelInitializer<Channel> {
  private static final org.slf4j.Logger log =
      org.slf4j.LoggerFactory.getLogger(HttpProxyInitializer.class);

  private static final ByteBuf PREFACE = Http2CodecUtil.connectionPrefaceBuf();

  private final HttpListenerContext context;

  public HttpProxyInitializer(HttpListenerContext context) {
    this.context = context;
  }

  @Override
  protected void initChannel(Channel channel) {
    context.connections().add(channel);
    if (!context.memory().admitsNewWork()) {
      refuseForMemory(channel);
      return;
    }
    context.transport().configureRelaySocket(channel);
    ClientConnection client = new ClientConnection(channel.remoteAddress(), context.tls() != null);
    ChannelPipeline pipeline = channel.pipeline();
    if (context.acceptProxy()) {
      pipeline.addLast("proxy-v2-tlvs", new ProxyV2TlvCheck());
      pipeline.addLast("proxy-header", new HAProxyMessageDecoder());
    }
    pipeline.addLast("preamble", new Preamble(context, client));
  }

  /**
   * Only the buffer memory's reserve is left: the connection gets the prepared 503 and is closed
   * before anything of it is read ({@code RR}); an {@code https} one (or one whose PROXY header
   * comes first) is closed at once, since an answer would first need a handshake, the costliest
   * thing to give a crowd.
   */
  private void refuseForMemory(Channel channel) {
    context.memory().refused();
    long startMillis = System.currentTimeMillis();
    int status = -1;
    long bytes = 0;
    if (context.tls() == null && !context.acceptProxy()) {
      ByteBuf answer = context.answers().h1(503);
      bytes = answer.readableBytes();
      status = 503;
      // Half-closed after the answer, and closed a moment later: closing at once with the
      // unread request in the socket would reset the connection, and a reset can reach the
      // client before the answer does.
      channel
          .writeAndFlush(answer)
          .addListener(
              (ChannelFutureListener)
                  written -> {
                    if (written.isSuccess() && channel instanceof DuplexChannel duplex) {
                      duplex.shutdownOutput();
                      channel.eventLoop().schedule(() -> channel.close(), 1, TimeUnit.SECONDS);
                    } else {
                      channel.close();
                    }
                  });
    } else {
      channel.close();
    }
    context.stats().ended(TerminationState.RESOURCE_LIMIT_DURING_REQUEST, status);
    if (context.accessLog().enabled()) {
      context
          .accessLog()
          .record(
              new HttpRecord(
                  startMillis,
                  SocketAddresses.format(channel.remoteAddress()),
                  context.listener(),
                  "-",
                  HttpExchange.NO_SERVER,
                  0,
                  -1,
                  -1,
                  -1,
                  0,
                  status,
                  bytes,
                  TerminationState.RESOURCE_LIMIT_DURING_REQUEST,
                  0,
                  0,
                  0,
                  "<BADREQ>",
                  context.tls() == null ? null : "!NO_MEMORY"));
    }
  }

  /**
   * Closes an HTTP/2 connection whose client shut its side (FIN). Sockets are accepted with half
   * closure allowed, which HTTP/1.1 uses to finish the response in progress; HTTP/2 has no use for
   * it (a client that sends nothing more cannot open its windows), and nothing else would ever
   * close the connection: it would sit in CLOSE_WAIT, holding its descriptor and buffers.
   */
  @Sharable
  private static final class CloseOnInputShutdown extends ChannelInboundHandlerAdapter {
    static final CloseOnInputShutdown INSTANCE = new CloseOnInputShutdown();

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
      if (event instanceof ChannelInputShutdownEvent) {
        ctx.close();
        return;
      }
      ctx.fireUserEventTriggered(event);
    }
  }

  /**
   * The end of an HTTP/2 connection's pipeline. Netty's frame codec hands each connection error it
   * meets (a client breaking the protocol) down the pipeline before it sends GOAWAY and closes; it
   * ends here, rather than as a warning per misbehaving client. Such an error is left to the codec,
   * which closes after its GOAWAY (closing here first would lose the GOAWAY and its error code);
   * anything else closes the connection.
   */
  @Sharable
  static final class H2ConnectionErrors extends ChannelInboundHandlerAdapter {
    static final H2ConnectionErrors INSTANCE = new H2ConnectionErrors();

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      if (Http2CodecUtil.getEmbeddedHttp2Exception(cause) == null) {
        ctx.close();
      }
    }
  }

  /** The steps before HTTP, within the PROXY header and handshake timeouts. */
  private static final class Preamble extends ChannelInboundHandlerAdapter implements Runnable {
    private final HttpListenerContext context;
    private final ClientConnection client;
    private ChannelHandlerContext ctx;
    private ScheduledFuture<?> timer;
    private boolean awaitingProxy;
    private boolean awaitingTls;
    private long handshakeStartMillis;
    private ByteBuf opening;

    Preamble(HttpListenerContext context, ClientConnection client) {
      this.context = context;
      this.client = client;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
      this.ctx = ctx;
      if (context.acceptProxy()) {
        awaitingProxy = true;
        arm(context.proxyHeaderTimeout().toNanos());
        ctx.read();
      } else {
        afterProxyHeader();
      }
    }

    private void afterProxyHeader() {
      TlsTerminator tls = context.tls();
      if (tls != null) {
        awaitingTls = true;
        handshakeStartMillis = System.currentTimeMillis();
        ctx.pipeline().addBefore(ctx.name(), "tls", tls.newHandshakeHandler());
        arm(tls.handshakeTimeout().toNanos());
      } else {
        arm(context.http().timeouts().requestHead().toNanos());
      }
      ctx.read();
    }

    private void arm(long nanos) {
      cancel();
      timer = ctx.executor().schedule(this, nanos, TimeUnit.NANOSECONDS);
    }

    private void cancel() {
      if (timer != null) {
        timer.cancel(false);
        timer = null;
      }
    }

    @Override
    public void run() {
      timer = null;
      ctx.close();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof HAProxyMessage header) {
        boolean usable;
        try {
          usable = useHeader(header);
        } finally {
          header.release();
        }
        if (!usable) {
          ctx.close();
          return;
        }
        awaitingProxy = false;
        afterProxyHeader();
        return;
      }
      if (!(msg instanceof ByteBuf bytes) || awaitingProxy || awaitingTls) {
        ReferenceCountUtil.release(msg);
        return;
      }
      // Plain TCP: HTTP/2's preface, or anything else (HTTP/1.1)?
      if (opening == null) {
        opening = bytes;
      } else {
        opening = ctx.alloc().compositeBuffer(2).addComponents(true, opening, bytes);
      }
      int compared = Math.min(opening.readableBytes(), PREFACE.readableBytes());
      if (!ByteBufUtil.equals(opening, opening.readerIndex(), PREFACE, 0, compared)) {
        startHttp1(opening);
      } else if (compared == PREFACE.readableBytes()) {
        startHttp2(opening);
      }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
      if (!ctx.isRemoved()) {
        ctx.read();
      }
    }

    /** Takes the header's client; {@code false} when its addresses stand for no connection. */
    private boolean useHeader(HAProxyMessage header) {
      if (ProxiedAddresses.present(header)) {
        if (!ProxiedAddresses.usable(header)) {
          return false;
        }
        client.address(ProxiedAddresses.source(header));
      }
      return true;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
      if (!(event instanceof SslHandshakeCompletionEvent completion) || !awaitingTls) {
        ctx.fireUserEventTriggered(event);
        return;
      }
      awaitingTls = false;
      if (!completion.isSuccess()) {
        ctx.close();
        return;
      }
      SslHandler ssl = ctx.pipeline().get(SslHandler.class);
      SSLSession session = ssl.engine().getSession();
      X509Certificate certificate = clientCertificate(session);
      String summary =
          session.getProtocol()
              + (TlsTerminator.resumed(ssl.engine(), handshakeStartMillis) ? "/resumed" : "/full");
      client.tls(
          certificate == null
              ? summary
              : summary + " \"" + certificate.getSubjectX500Principal().getName() + "\"",
          certificate);
      if (ApplicationProtocolNames.HTTP_2.equals(ssl.applicationProtocol())) {
        startHttp2(null);
      } else {
        startHttp1(null);
      }
    }

    private static X509Certificate clientCertificate(SSLSession session) {
      try {
        Certificate[] chain = session.getPeerCertificates();
        return chain.length > 0 && chain[0] instanceof X509Certificate leaf ? leaf : null;
      } catch (SSLPeerUnverifiedException none) {
        return null;
      }
    }

    private void startHttp1(ByteBuf read) {
      cancel();
      opening = null;
      ChannelPipeline pipeline = ctx.pipeline();
      HttpConfig http = context.http();
      // In this order: the frontend asks for its first request as soon as it is added.
      pipeline.addAfter(ctx.name(), "http", new Http1Codec(http));
      pipeline.addAfter("http", "flow", new FlowControlHandler());
      pipeline.addAfter("flow", "frontend", new HttpFrontend(context, client, false));
      if (read != null) {
        ctx.fireChannelRead(read);
      }
      pipeline.remove(this);
    }

    private void startHttp2(ByteBuf read) {
      cancel();
      opening = null;
      HttpConfig http = context.http();
      ChannelPipeline pipeline = ctx.pipeline();
      int maxHeaderSize = (int) http.maxHeaderSize().bytes();
      pipeline.addAfter(
          ctx.name(),
          "h2",
          Http2FrameCodecBuilder.forServer()
              .initialSettings(
                  Http2Settings.defaultSettings()
                      .maxConcurrentStreams(http.h2().maxConcurrentStreams())
                      .maxHeaderListSize(maxHeaderSize))
              .decoderEnforceMaxRstFramesPerWindow(http.h2().maxResetsPerMinute(), 60)
              .encoderEnforceMaxQueuedControlFrames(http.h2().maxQueuedControlFrames())
              .decoderEnforceMaxConsecutiveEmptyDataFrames(
                  http.h2().maxConsecutiveEmptyDataFrames())
              .validateHeaders(true)
              .build());
      pipeline.addAfter("h2", "h2-fin", CloseOnInputShutdown.INSTANCE);
      pipeline.addAfter("h2-fin", "bdp", new BdpWindow());
      pipeline.addAfter(
          "bdp",
          "h2-streams",
          new Http2MultiplexHandler(
              new ChannelInitializer<Http2StreamChannel>() {
                @Override
                protected void initChannel(Http2StreamChannel stream) {
                  stream.config().setAutoRead(false);
                  stream
                      .pipeline()
                      .addLast(new Http2StreamFrameToHttpObjectCodec(true, true))
                      .addLast(new HttpFrontend(context, client, true));
                }
              }));
      pipeline.addAfter("h2-streams", "h2-errors", H2ConnectionErrors.INSTANCE);
      if (read != null) {
        ctx.fireChannelRead(read);
      }
      pipeline.remove(this);
      ctx.channel().config().setAutoRead(true);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
      cancel();
      if (opening != null) {
        opening.release();
        opening = null;
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      // A garbage ClientHello, a bad PROXY header or a reset: the client's business, counted by
      // the TLS figures; logging each would let any client flood the log. An Error (out of
      // memory above all) is Sluice's, and must show.
      if (cause instanceof Error) {
        log.error("listener {}: {}", context.listener(), cause.toString());
      }
      // After a refused PROXY header, Netty's decoder would decode what follows it at the close.
      if (ctx.pipeline().get("proxy-header") != null) {
        ctx.pipeline().remove("proxy-header");
      }
      ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      cancel();
      ctx.fireChannelInactive();
    }
  }
}
