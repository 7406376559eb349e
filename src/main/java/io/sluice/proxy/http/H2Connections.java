package io.sluice.proxy.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.sluice.net.Transport;
import io.sluice.pool.Server;
import java.time.Duration;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * HTTP/2 connections to one pool's servers (prior knowledge, {@code h2c}), one per server on each
 * event loop: every request opens a stream on it, so a thousand requests in flight to one server
 * cost one connection, not a thousand. A connection whose streams are all taken, or that received
 * GOAWAY, is replaced by a new one for later requests while its open streams finish.
 *
 * <p>Threads: each event loop touches only its own map.
 */
final class H2Connections {
  private final Transport transport;
  private final int connectTimeoutMillis;

  private final FastThreadLocal<Map<Server, Channel>> connections =
      new FastThreadLocal<>() {
        @Override
        protected Map<Server, Channel> initialValue() {
          return new IdentityHashMap<>();
        }
      };

  H2Connections(Transport transport, Duration connectTimeout) {
    this.transport = transport;
    this.connectTimeoutMillis = (int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis());
  }

  /**
   * Opens a stream to {@code server} on {@code loop}, connecting first when this loop has no usable
   * connection to it; the promise gets the stream's {@link BackendHandler}, or the connect's or
   * stream's failure.
   */
  void openStream(Server server, EventLoop loop, Promise<BackendHandler> promise) {
    Channel connection = connections.get().get(server);
    if (connection != null && usable(connection)) {
      open(connection, server, promise);
      return;
    }
    long connectStartNanos = System.nanoTime();
    ChannelFuture connecting =
        BackendConnections.connect(
            transport,
            server,
            loop,
            connectTimeoutMillis,
            new ChannelInitializer<>() {
              @Override
              protected void initChannel(Channel channel) {
                channel
                    .pipeline()
                    .addLast("h2", Http2FrameCodecBuilder.forClient().validateHeaders(true).build())
                    .addLast("bdp", new BdpWindow())
                    .addLast("h2-streams", new Http2MultiplexHandler(new RefuseStreams()));
              }
            });
    connecting.addListener(
        f -> {
          if (!f.isSuccess()) {
            promise.tryFailure(f.cause());
            return;
          }
          server.stats().connect(System.nanoTime() - connectStartNanos);
          Channel connected = connecting.channel();
          transport.configureRelaySocket(connected);
          Map<Server, Channel> mine = connections.get();
          mine.put(server, connected);
          connected
              .closeFuture()
              .addListener(
                  closed -> {
                    if (mine.get(server) == connected) {
                      mine.remove(server);
                    }
                  });
          // The connect promise completes before the pipeline sees the channel active, and the
          // codec writes its preface then: the first stream waits one loop turn.
          loop.execute(() -> open(connected, server, promise));
        });
  }

  /** Whether new streams may go on {@code connection}: open, no GOAWAY, streams left. */
  private static boolean usable(Channel connection) {
    if (!connection.isActive()) {
      return false;
    }
    Http2FrameCodec codec = connection.pipeline().get(Http2FrameCodec.class);
    return codec != null
        && !codec.connection().goAwayReceived()
        && codec.connection().local().canOpenStream();
  }

  private static void open(Channel connection, Server server, Promise<BackendHandler> promise) {
    BackendHandler handler = new BackendHandler(null, server);
    Future<Http2StreamChannel> opening =
        new Http2StreamChannelBootstrap(connection)
            .handler(
                new ChannelInitializer<Http2StreamChannel>() {
                  @Override
                  protected void initChannel(Http2StreamChannel stream) {
                    stream
                        .pipeline()
                        .addLast("http", new Http2StreamFrameToHttpObjectCodec(false, true))
                        .addLast("backend", handler);
                  }
                })
            .open();
    opening.addListener(
        f -> {
          if (f.isSuccess()) {
            promise.trySuccess(handler);
          } else {
            promise.tryFailure(f.cause());
          }
        });
  }

  /** Servers do not push streams at Sluice; any they open are refused. */
  @ChannelHandler.Sharable
  private static final class RefuseStreams extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ReferenceCountUtil.release(msg);
      ctx.close();
    }
  }
}
