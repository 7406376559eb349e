package io.sluice.net;

import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.ThreadPerTaskExecutor;
import java.net.SocketAddress;

/**
 * The socket implementation: native epoll on Linux (SO_REUSEPORT, unix and abstract sockets,
 * TCP_NOTSENT_LOWAT), plain NIO elsewhere. Chosen once at start.
 */
public enum Transport {
  EPOLL,
  NIO;

  /** The best transport this machine offers. */
  public static Transport best() {
    return Epoll.isAvailable() ? EPOLL : NIO;
  }

  /** Whether one listening socket per event loop can share a port. */
  public boolean supportsReusePort() {
    return this == EPOLL;
  }

  /**
   * Unsent bytes the kernel may hold per relayed TCP socket before it reports the socket full: 128
   * KiB. Without a bound the kernel grows send buffers to megabytes per slow reader, memory that
   * admission cannot see, and bytes draining from it are progress Sluice cannot observe for idle
   * timeouts. At 128 KiB a loopback stream still moves gigabytes per second.
   */
  public static final long NOTSENT_LOW_WATER_MARK = 128 * 1024;

  /** Sets the options every relayed inet TCP socket gets on this transport. */
  public void configureRelaySocket(Channel channel) {
    if (this == EPOLL && channel instanceof EpollSocketChannel) {
      channel.config().setOption(EpollChannelOption.TCP_NOTSENT_LOWAT, NOTSENT_LOW_WATER_MARK);
    }
  }

  /**
   * Event loops whose {@code next()} places a channel on the loop with the fewest connections
   * counted by {@code load}.
   */
  public EventLoopGroup newGroup(int threads, String name, LoopLoad load) {
    IoHandlerFactory handler =
        this == EPOLL ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    return new MultiThreadIoEventLoopGroup(
        threads, new ThreadPerTaskExecutor(new DefaultThreadFactory(name, true)), load, handler);
  }

  /** The listening channel type for {@code address}. */
  public Class<? extends ServerChannel> serverChannel(SocketAddress address) {
    if (SocketAddresses.isDomain(address)) {
      return EpollServerDomainSocketChannel.class;
    }
    return this == EPOLL ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
  }

  /**
   * A listening channel around a socket inherited from the process this one takes over, already
   * bound to {@code address} and listening. Epoll only: NIO cannot adopt a descriptor.
   */
  public ServerChannel adoptServerChannel(int fd, SocketAddress address) {
    if (this != EPOLL) {
      throw new IllegalStateException("taking sockets over needs the epoll transport");
    }
    return SocketAddresses.isDomain(address)
        ? new EpollServerDomainSocketChannel(fd)
        : new EpollServerSocketChannel(fd);
  }

  /** The connecting channel type for {@code address}. */
  public Class<? extends Channel> clientChannel(SocketAddress address) {
    if (SocketAddresses.isDomain(address)) {
      return EpollDomainSocketChannel.class;
    }
    return this == EPOLL ? EpollSocketChannel.class : NioSocketChannel.class;
  }

  /** The TCP client channel type, for protocols that pick their own (DNS over TCP). */
  public Class<? extends SocketChannel> streamChannel() {
    return this == EPOLL ? EpollSocketChannel.class : NioSocketChannel.class;
  }

  /** The datagram channel type. */
  public Class<? extends DatagramChannel> datagramChannel() {
    return this == EPOLL ? EpollDatagramChannel.class : NioDatagramChannel.class;
  }
}
