package io.sluice.proxy.udp;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.ReferenceCountUtil;

/**
 * A flow's server-side socket handler: replies go back to the flow's client, errors (ICMP port or
 * host unreachable on the connected socket) count against the server.
 */
final class ServerSide extends ChannelInboundHandlerAdapter {
  private final UdpRelay relay;
  private final Flow flow;

  ServerSide(UdpRelay relay, Flow flow) {
    this.relay = relay;
    this.flow = flow;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof DatagramPacket packet && ctx.channel() == flow.backend) {
      relay.fromServer(flow, packet);
    } else {
      // A late datagram on the socket of a flow that moved on: nobody to relay it to.
      ReferenceCountUtil.release(msg);
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (ctx.channel() == flow.backend) {
      relay.serverFailed(flow);
    }
  }
}
