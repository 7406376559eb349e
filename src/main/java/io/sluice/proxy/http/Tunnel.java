package io.sluice.proxy.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.flow.FlowControlHandler;
import io.netty.util.ReferenceCountUtil;

/**
 * A WebSocket (or other {@code Upgrade}) connection after the server's 101: both HTTP codecs leave,
 * and bytes flow each way unchanged, reading from one side only while the other can take more.
 *
 * <p>Threads: both channels are on the client's event loop.
 */
final class Tunnel {
  /** Called once when both sides are closed, with the bytes moved each way. */
  interface Ended {
    void ended(long bytesUp, long bytesDown);
  }

  private final Channel client;
  private final Channel server;
  private final Ended ended;
  private long up;
  private long down;
  private boolean done;

  private Tunnel(Channel client, Channel server, Ended ended) {
    this.client = client;
    this.server = server;
    this.ended = ended;
  }

  static void open(HttpFrontend frontend, Channel server, HttpResponse response, Ended ended) {
    Tunnel tunnel = new Tunnel(frontend.channel(), server, ended);
    frontend.writeAndFlush(response);
    ChannelPipeline serverPipeline = server.pipeline();
    serverPipeline.addLast("tunnel", tunnel.new Side(false));
    serverPipeline.remove(BackendHandler.class);
    serverPipeline.remove("http");
    ChannelPipeline clientPipeline = tunnel.client.pipeline();
    clientPipeline.addLast("tunnel", tunnel.new Side(true));
    clientPipeline.remove(HttpFrontend.class);
    clientPipeline.remove(FlowControlHandler.class);
    clientPipeline.remove(Http1Codec.class);
    server.config().setAutoRead(true);
    tunnel.client.config().setAutoRead(true);
  }

  private void close() {
    if (!done) {
      done = true;
      client
          .writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER)
          .addListener(ChannelFutureListener.CLOSE);
      server
          .writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER)
          .addListener(ChannelFutureListener.CLOSE);
      ended.ended(up, down);
    }
  }

  private final class Side extends ChannelInboundHandlerAdapter {
    private final boolean fromClient;

    Side(boolean fromClient) {
      this.fromClient = fromClient;
    }

    private Channel peer() {
      return fromClient ? server : client;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (!(msg instanceof ByteBuf bytes) || done) {
        // The end of the 101's HTTP message, or bytes after the close.
        ReferenceCountUtil.release(msg);
        return;
      }
      if (fromClient) {
        up += bytes.readableBytes();
      } else {
        down += bytes.readableBytes();
      }
      peer().write(bytes, peer().voidPromise());
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
      peer().flush();
      if (!peer().isWritable()) {
        ctx.channel().config().setAutoRead(false);
      }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
      if (ctx.channel().isWritable()) {
        peer().config().setAutoRead(true);
      }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt instanceof io.netty.channel.socket.ChannelInputShutdownEvent) {
        close();
      }
      ReferenceCountUtil.release(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      close();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      close();
    }
  }
}
