package io.sluice.testing;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.http2.DefaultHttp2FrameReader;
import io.netty.handler.codec.http2.DefaultHttp2FrameWriter;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameAdapter;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Settings;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A raw HTTP/2 client built from Netty's frame writer and reader, for sending what no well-behaved
 * client sends: floods of HEADERS and RST_STREAM, of PING or SETTINGS, of empty DATA frames. It
 * speaks h2c with prior knowledge; what comes back is only counted (GOAWAY's error code, frames
 * read), and it can stop reading altogether, as a client that floods without reading does.
 *
 * <p>Threads: frames are written on the client's own event loop; the counters are atomic.
 */
public final class H2FrameClient implements AutoCloseable {
  private final EventLoopGroup group;
  private final Channel channel;
  private final DefaultHttp2FrameWriter writer = new DefaultHttp2FrameWriter();
  private final AtomicLong goAwayError = new AtomicLong(-1);
  private final AtomicInteger framesRead = new AtomicInteger();
  private volatile Throwable failure;
  private volatile ChannelHandlerContext ctx;

  private H2FrameClient(InetSocketAddress address, boolean reading) throws InterruptedException {
    group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    Bootstrap bootstrap =
        new Bootstrap()
            .group(group)
            .channel(NioSocketChannel.class)
            .option(ChannelOption.AUTO_READ, reading)
            .handler(
                new ChannelInitializer<Channel>() {
                  @Override
                  protected void initChannel(Channel ch) {
                    ch.pipeline().addLast(new FrameCounter());
                  }
                });
    if (!reading) {
      // A small window into the client: the answers back up into Sluice at once.
      bootstrap.option(ChannelOption.SO_RCVBUF, 4096);
    }
    channel = bootstrap.connect(address).sync().channel();
  }

  /**
   * Connects, sends the connection preface and an empty SETTINGS frame.
   *
   * @param reading false: the client never reads what Sluice sends (until {@link #startReading})
   */
  public static H2FrameClient connect(InetSocketAddress address, boolean reading)
      throws InterruptedException {
    H2FrameClient client = new H2FrameClient(address, reading);
    client.send(
        frames -> {
          frames.ctx().write(Http2CodecUtil.connectionPrefaceBuf());
          frames.settings();
        });
    return client;
  }

  /** What a test writes; each method writes one frame. */
  public final class Frames {
    ChannelHandlerContext ctx() {
      return ctx;
    }

    public void settings() {
      writer.writeSettings(ctx, new Http2Settings(), ctx.newPromise());
    }

    public void ping(long data) {
      writer.writePing(ctx, false, data, ctx.newPromise());
    }

    /** A GET of {@code path} on stream {@code stream}, ending the stream unless {@code open}. */
    public void headers(int stream, String method, String path, boolean open) {
      Http2Headers headers =
          new DefaultHttp2Headers().method(method).path(path).scheme("http").authority("localhost");
      writer.writeHeaders(ctx, stream, headers, 0, !open, ctx.newPromise());
    }

    public void reset(int stream) {
      writer.writeRstStream(ctx, stream, Http2Error.CANCEL.code(), ctx.newPromise());
    }

    public void emptyData(int stream) {
      writer.writeData(ctx, stream, Unpooled.EMPTY_BUFFER, 0, false, ctx.newPromise());
    }
  }

  /**
   * Writes frames on the client's loop, then flushes; waits until they are handed to the socket.
   */
  public void send(java.util.function.Consumer<Frames> frames) throws InterruptedException {
    group
        .submit(
            () -> {
              if (channel.isActive()) {
                frames.accept(new Frames());
                ctx.flush();
              }
            })
        .await(30, TimeUnit.SECONDS);
  }

  /** Starts reading what Sluice sent (for a client created not reading). */
  public void startReading() {
    channel.config().setAutoRead(true);
  }

  /** Waits until Sluice closes the connection; returns whether it did within {@code timeout}. */
  public boolean awaitClosed(Duration timeout) throws InterruptedException {
    return channel.closeFuture().await(timeout.toMillis());
  }

  public boolean isOpen() {
    return channel.isActive();
  }

  /** The error code of the GOAWAY received, or -1 for none. */
  public long goAwayError() {
    return goAwayError.get();
  }

  public int framesRead() {
    return framesRead.get();
  }

  /** What ended the client's reading, if anything did (a reset, a frame it could not read). */
  public String failure() {
    return String.valueOf(failure);
  }

  @Override
  public void close() {
    channel.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
  }

  /** Decodes the frames Sluice sends and counts them. */
  private final class FrameCounter extends ByteToMessageDecoder {
    private final DefaultHttp2FrameReader reader = new DefaultHttp2FrameReader(false);
    private final Http2FrameAdapter listener =
        new Http2FrameAdapter() {
          @Override
          public void onGoAwayRead(
              ChannelHandlerContext ctx, int lastStreamId, long errorCode, ByteBuf debugData) {
            goAwayError.set(errorCode);
            framesRead.incrementAndGet();
          }

          @Override
          public void onPingAckRead(ChannelHandlerContext ctx, long data) {
            framesRead.incrementAndGet();
          }

          @Override
          public void onSettingsRead(ChannelHandlerContext ctx, Http2Settings settings) {
            framesRead.incrementAndGet();
          }

          @Override
          public int onDataRead(
              ChannelHandlerContext ctx,
              int streamId,
              ByteBuf data,
              int padding,
              boolean endOfStream) {
            framesRead.incrementAndGet();
            return data.readableBytes() + padding;
          }
        };

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
      H2FrameClient.this.ctx = ctx;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out)
        throws Exception {
      reader.readFrame(ctx, in, listener);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      failure = cause;
      ctx.close();
    }
  }
}
