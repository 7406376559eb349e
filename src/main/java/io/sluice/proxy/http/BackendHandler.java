package io.sluice.proxy.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpObject;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.sluice.pool.Server;

/**
 * The end of a server connection's pipeline: hands what the server sends to the exchange using the
 * connection, if any, and tells it when the connection fails. An idle connection has no exchange;
 * whatever it receives is unexpected and ends it.
 *
 * <p>Threads: the connection's event loop, which is the exchange's.
 */
final class BackendHandler extends ChannelInboundHandlerAdapter {
  private final BackendConnections owner;
  private final Server server;
  private ChannelHandlerContext ctx;
  private HttpExchange exchange;
  private ScheduledFuture<?> idleTimer;

  /**
   * @param owner the keep-alive connections this one returns to; {@code null} for an HTTP/2 stream,
   *     used once
   */
  BackendHandler(BackendConnections owner, Server server) {
    this.owner = owner;
    this.server = server;
  }

  /** Whether this is an HTTP/2 stream (used once) rather than an HTTP/1.1 connection. */
  boolean isStream() {
    return owner == null;
  }

  Server server() {
    return server;
  }

  Channel channel() {
    return ctx.channel();
  }

  void attach(HttpExchange exchange) {
    this.exchange = exchange;
  }

  void detach() {
    this.exchange = null;
  }

  void enterIdle(ScheduledFuture<?> timer) {
    exchange = null;
    idleTimer = timer;
  }

  void leaveIdle() {
    if (idleTimer != null) {
      idleTimer.cancel(false);
      idleTimer = null;
    }
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    HttpExchange current = exchange;
    if (current != null && msg instanceof HttpObject http) {
      current.fromServer(this, http);
    } else {
      // A response nobody asked for: the connection is out of step; never reuse it.
      ReferenceCountUtil.release(msg);
      ctx.close();
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    HttpExchange current = exchange;
    if (current != null) {
      current.serverWritabilityChanged(ctx.channel().isWritable());
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    leaveIdle();
    HttpExchange current = exchange;
    exchange = null;
    if (current != null) {
      current.serverClosed(this, null);
    } else if (owner != null) {
      owner.forget(this);
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    // Resets and decoding failures are expected events: the exchange decides what they mean.
    // An Error (out of memory above all) is Sluice's, and must show.
    if (cause instanceof Error) {
      org.slf4j.LoggerFactory.getLogger(BackendHandler.class)
          .error("server {}: {}", server.name(), cause.toString());
    }
    HttpExchange current = exchange;
    exchange = null;
    if (current != null) {
      current.serverClosed(this, cause);
    }
    ctx.close();
  }
}
