package io.sluice.net;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.sluice.admission.ConnectionLimit;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Holds a listener to its {@code max_connections} by pausing accept: when the limit is reached
 * every listening socket of the listener stops reading its accept queue, so further clients wait in
 * the kernel backlog (a slower connect, not a refusal) until a connection closes.
 *
 * <p>Sits on each listening channel's pipeline, before Netty's acceptor. Threads: every listening
 * socket's event loop calls {@link #channelRead}; child close listeners run on the children's
 * loops; {@link ConnectionLimit} is the only shared state, plus the list of sockets written at bind
 * time.
 */
@Sharable
public final class AcceptGate extends ChannelInboundHandlerAdapter {
  private final ConnectionLimit limit;
  private final List<Channel> listeningSockets = new CopyOnWriteArrayList<>();
  private final ChannelFutureListener onChildClosed = this::childClosed;

  public AcceptGate(ConnectionLimit limit) {
    this.limit = limit;
  }

  /** Adds a bound listening socket that the gate pauses and resumes. */
  public void guard(Channel listeningSocket) {
    listeningSockets.add(listeningSocket);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    Channel child = (Channel) msg;
    child.closeFuture().addListener(onChildClosed);
    if (limit.admit()) {
      setAccepting(false);
    }
    ctx.fireChannelRead(msg);
  }

  private void childClosed(io.netty.channel.ChannelFuture future) {
    if (limit.release()) {
      setAccepting(true);
    }
  }

  private void setAccepting(boolean accepting) {
    for (Channel socket : listeningSockets) {
      socket.config().setAutoRead(accepting);
    }
  }

  public ConnectionLimit limit() {
    return limit;
  }
}
