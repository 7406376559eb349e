package io.sluice.proxy.udp;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.sluice.net.BindException;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * The sockets of one udp listener and its relay. Every bound address and every flow's server-side
 * socket lives on one event loop, which owns the flow table; several udp listeners spread over the
 * loops.
 *
 * <p>Threads: bound and closed by the control thread; the relay runs on its loop.
 */
public final class UdpListener {
  private final String name;
  private final List<Channel> sockets;
  private final UdpRelay relay;
  private final UdpStats stats;
  private final EventLoop loop;

  private UdpListener(
      String name, List<Channel> sockets, UdpRelay relay, UdpStats stats, EventLoop loop) {
    this.name = name;
    this.sockets = sockets;
    this.relay = relay;
    this.stats = stats;
    this.loop = loop;
  }

  /**
   * Binds every address on {@code loop} and starts the relay.
   *
   * @throws BindException naming the address when a bind fails; sockets already bound are closed
   */
  public static UdpListener bind(
      UdpListenerSettings settings, List<SocketAddress> addresses, EventLoop loop)
      throws BindException {
    UdpStats stats = new UdpStats(settings.maxFlows());
    UdpRelay relay = new UdpRelay(settings, loop, stats);
    List<Channel> sockets = new ArrayList<>();
    for (SocketAddress address : addresses) {
      ChannelFuture bound =
          new Bootstrap()
              .group(loop)
              .channel(settings.transport().datagramChannel())
              .option(
                  ChannelOption.RECVBUF_ALLOCATOR,
                  new BudgetedRecvAllocator(
                      settings.buffers(), false, settings.buffers().newScratch()))
              .handler(new ClientSide(relay))
              .bind(address)
              .awaitUninterruptibly();
      if (!bound.isSuccess()) {
        sockets.forEach(socket -> socket.close().awaitUninterruptibly());
        throw new BindException(settings.listener(), address, bound.cause());
      }
      sockets.add(bound.channel());
    }
    loop.execute(relay::start);
    return new UdpListener(settings.listener(), List.copyOf(sockets), relay, stats, loop);
  }

  public String name() {
    return name;
  }

  /** The bound addresses, with the ports the kernel chose where port 0 was asked for. */
  public List<SocketAddress> boundAddresses() {
    List<SocketAddress> addresses = new ArrayList<>();
    sockets.forEach(socket -> addresses.add(socket.localAddress()));
    return addresses;
  }

  public UdpStats stats() {
    return stats;
  }

  /** Closes the listening sockets and ends every flow. */
  public void close() {
    for (Channel socket : sockets) {
      socket.close().awaitUninterruptibly();
    }
    if (!loop.isShuttingDown()) {
      loop.submit(relay::stop).awaitUninterruptibly();
    }
  }
}
