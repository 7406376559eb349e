package io.sluice.proxy.tcp;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.sluice.net.ProxiedAddresses;
import io.sluice.observe.TerminationState;
import java.io.IOException;

/**
 * Takes the client's address, and the address it connected to, from a PROXY header (v1 or v2,
 * decoded by Netty's decoder before this handler), then hands the connection on. A malformed header
 * ends the connection as {@code PR}; a client that sends nothing in time as {@code cR}; one that
 * leaves before its header as {@code CR}. Bytes that arrived with the header are kept for the
 * server (or, on a TLS listener, go to the handshake).
 *
 * <p>A {@code LOCAL} command (a peer's health check) and {@code UNKNOWN} families keep the socket's
 * own address, as the specification asks.
 */
final class ProxyHeaderReader extends ChannelInboundHandlerAdapter {
  private final TcpSession session;
  private boolean headerSeen;

  ProxyHeaderReader(TcpSession session) {
    this.session = session;
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
        session.end(TerminationState.PROXY_REJECTED_REQUEST, null);
        return;
      }
      headerSeen = true;
      ctx.pipeline().remove(this);
      TcpProxyInitializer.afterPreamble(ctx.pipeline(), session);
    } else if (msg instanceof ByteBuf early) {
      session.keepEarlyBytes(early);
    } else {
      ctx.fireChannelRead(msg);
    }
  }

  /** Takes the header's addresses; {@code false} when they cannot stand for a connection. */
  private boolean useHeader(HAProxyMessage header) {
    if (ProxiedAddresses.present(header)) {
      if (!ProxiedAddresses.usable(header)) {
        return false;
      }
      session.proxiedAddresses(
          ProxiedAddresses.source(header), ProxiedAddresses.destination(header));
    }
    return true;
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    if (!headerSeen) {
      ctx.read();
    }
    ctx.fireChannelReadComplete();
  }

  /** The client shut its side before a whole header arrived (listeners allow half-closure). */
  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
    if (event instanceof ChannelInputShutdownEvent) {
      session.end(TerminationState.CLIENT_ABORTED_DURING_REQUEST, null);
    } else {
      ctx.fireUserEventTriggered(event);
    }
  }

  /** The decoder rejected the header, or the socket failed (a reset) before one arrived. */
  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    // Before the end closes the connection: the close is when the decoder would decode the rest.
    stopDecoding(ctx);
    session.end(
        cause instanceof IOException
            ? TerminationState.CLIENT_ABORTED_DURING_REQUEST
            : TerminationState.PROXY_REJECTED_REQUEST,
        cause);
  }

  /**
   * Takes Netty's decoder out after a refusal: it would otherwise decode what follows the refused
   * header once the connection closes, and hand on (or leak, see {@link
   * io.sluice.net.ProxyV2TlvCheck}) a header nobody checked. What it still holds comes here and is
   * dropped.
   */
  static void stopDecoding(ChannelHandlerContext ctx) {
    if (ctx.pipeline().get(HAProxyMessageDecoder.class) != null) {
      ctx.pipeline().remove(HAProxyMessageDecoder.class);
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    session.end(TerminationState.CLIENT_ABORTED_DURING_REQUEST, null);
  }
}
