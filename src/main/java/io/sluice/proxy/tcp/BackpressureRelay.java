package io.sluice.proxy.tcp;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.ssl.SslCloseCompletionEvent;

/**
 * Moves the bytes read on one side of a session to the other side. When the other side's write
 * buffer passes its high-water mark, this side stops reading until it drains below the low mark, so
 * a slow reader holds at most one read beyond the mark in Sluice, and the rest of the stall backs
 * up into the kernel and the sender's TCP window.
 *
 * <p>One instance per side; runs on the session's event loop only.
 */
final class BackpressureRelay extends ChannelInboundHandlerAdapter {
  private final TcpSession session;
  private final boolean clientSide;

  BackpressureRelay(TcpSession session, boolean clientSide) {
    this.session = session;
    this.clientSide = clientSide;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof ByteBuf bytes)) {
      ctx.fireChannelRead(msg);
      return;
    }
    if (!session.relay(clientSide, bytes)) {
      ctx.channel().config().setAutoRead(false);
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    session.flushTowards(!clientSide);
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (ctx.channel().isWritable()) {
      session.resumeReading(!clientSide);
    }
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
    if (event instanceof ChannelInputShutdownEvent || event instanceof SslCloseCompletionEvent) {
      session.inputShutdown(clientSide, ctx.channel());
    } else {
      ctx.fireUserEventTriggered(event);
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    session.closedBy(clientSide, ctx.channel());
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    session.failedOn(clientSide, ctx.channel(), cause);
  }
}
