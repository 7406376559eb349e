package io.sluice.proxy.udp;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The listening socket's handler: every datagram from a client goes to the relay. */
final class ClientSide extends ChannelInboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(ClientSide.class);

  private final UdpRelay relay;

  ClientSide(UdpRelay relay) {
    this.relay = relay;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof DatagramPacket packet) {
      relay.fromClient(ctx.channel(), packet);
    } else {
      ReferenceCountUtil.release(msg);
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (cause instanceof java.io.IOException) {
      // A failed send to one client (its host unreachable) says nothing about the others.
      log.debug("udp listener {}: {}", relay.name(), cause.toString());
    } else {
      log.warn("udp listener {}: internal error", relay.name(), cause);
    }
  }
}
