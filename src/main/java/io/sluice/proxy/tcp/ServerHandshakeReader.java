package io.sluice.proxy.tcp;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import java.util.function.BiConsumer;

/**
 * Waits for the TLS handshake with a server, then leaves the pipeline: until it ends, the session
 * counts the connection as still connecting, so a failed handshake is retried on another server
 * like a refused connect. Errors the TLS handler raises meanwhile are its handshake's failure,
 * which the completion event reports; they do not reach the relay.
 *
 * <p>One instance per server connection; runs on the session's event loop only.
 */
final class ServerHandshakeReader extends ChannelInboundHandlerAdapter {
  /** Told once how the handshake ended: the server channel, and the failure or null. */
  private final BiConsumer<Channel, Throwable> session;

  private boolean done;

  ServerHandshakeReader(BiConsumer<Channel, Throwable> session) {
    this.session = session;
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
    if (done || !(event instanceof SslHandshakeCompletionEvent completion)) {
      ctx.fireUserEventTriggered(event);
      return;
    }
    done = true;
    ctx.pipeline().remove(this);
    session.accept(ctx.channel(), completion.cause());
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (done) {
      ctx.fireExceptionCaught(cause);
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (!done) {
      done = true;
      session.accept(ctx.channel(), null);
    }
    ctx.fireChannelInactive();
  }
}
