package io.sluice.net;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.channel.unix.UnixChannelOption;
import io.netty.util.concurrent.EventExecutor;
import java.io.IOException;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The listening sockets of one configured listener. With SO_REUSEPORT each event loop gets its own
 * socket bound to the same address, so accepting is spread by the kernel and every accepted
 * connection stays on the loop that accepted it; otherwise one socket serves them all.
 *
 * <p>Threads: built and closed by the control thread.
 */
public final class Listener {
  /**
   * Relay write buffer: above 64 KiB queued towards a peer, Sluice stops reading from the other
   * side; below 32 KiB it resumes. Enough to keep a 10 Gbit/s loopback stream busy, small enough
   * that ten thousand stalled readers cost under a gigabyte.
   */
  public static final WriteBufferWaterMark RELAY_WATER_MARK =
      new WriteBufferWaterMark(32 * 1024, 64 * 1024);

  private final String name;
  private final List<Channel> sockets;
  private final AcceptGate gate;

  private Listener(String name, List<Channel> sockets, AcceptGate gate) {
    this.name = name;
    this.sockets = sockets;
    this.gate = gate;
  }

  /**
   * Binds every address, one socket per event loop where SO_REUSEPORT applies.
   *
   * @param childInitializer sets up each accepted connection's pipeline
   * @throws BindException naming the address when a bind fails; sockets already bound are closed
   */
  public static Listener bind(
      String name,
      List<SocketAddress> addresses,
      boolean reusePort,
      int backlog,
      AcceptGate gate,
      Transport transport,
      EventLoopGroup group,
      ChannelHandler childInitializer)
      throws BindException {
    List<Channel> sockets = new ArrayList<>();
    try {
      for (SocketAddress address : addresses) {
        boolean perLoop =
            reusePort && transport.supportsReusePort() && !SocketAddresses.isDomain(address);
        if (SocketAddresses.isDomain(address) && socketFileInUse((DomainSocketAddress) address)) {
          throw new BindException(
              name, address, new IOException("the socket file is in use by a running process"));
        }
        // Not group.next(): with the least-loaded chooser that would count the socket as a client.
        List<EventLoop> loops = perLoop ? loopsOf(group) : List.of(loopsOf(group).get(0));
        SocketAddress bindTo = address;
        for (EventLoop loop : loops) {
          ServerBootstrap bootstrap =
              new ServerBootstrap()
                  .group(loop, perLoop ? loop : group)
                  .channel(transport.serverChannel(address))
                  .option(ChannelOption.SO_BACKLOG, backlog)
                  .handler(gate)
                  .childOption(ChannelOption.AUTO_READ, false)
                  .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                  .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, RELAY_WATER_MARK)
                  .childHandler(childInitializer);
          if (!SocketAddresses.isDomain(address)) {
            bootstrap.childOption(ChannelOption.TCP_NODELAY, true);
            bootstrap.option(ChannelOption.SO_REUSEADDR, true);
          }
          if (perLoop) {
            bootstrap.option(UnixChannelOption.SO_REUSEPORT, true);
          }
          ChannelFuture bound = bootstrap.bind(bindTo).awaitUninterruptibly();
          if (!bound.isSuccess()) {
            throw new BindException(name, bindTo, bound.cause());
          }
          // Port 0: the kernel chose a port for the first socket; the others must share it.
          bindTo = bound.channel().localAddress();
          gate.guard(bound.channel());
          sockets.add(bound.channel());
        }
      }
    } catch (BindException e) {
      sockets.forEach(Channel::close);
      gate.close();
      throw e;
    }
    return new Listener(name, List.copyOf(sockets), gate);
  }

  private static List<EventLoop> loopsOf(EventLoopGroup group) {
    List<EventLoop> loops = new ArrayList<>();
    for (EventExecutor executor : group) {
      loops.add((EventLoop) executor);
    }
    return loops;
  }

  /**
   * Whether a live process answers on the unix socket file at {@code address}. A file left by a
   * process that died is removed (it would stop every later bind); one that answers is left alone
   * and the bind fails, since binding would silently take the file from its owner.
   */
  private static boolean socketFileInUse(DomainSocketAddress address) {
    String path = address.path();
    if (path.isEmpty() || path.charAt(0) == '\0' || !Files.exists(Path.of(path))) {
      return false;
    }
    try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      probe.connect(UnixDomainSocketAddress.of(path));
      return true;
    } catch (IOException refused) {
      try {
        Files.deleteIfExists(Path.of(path));
      } catch (IOException e) {
        // The bind that follows reports the address as in use, which says all there is to say.
      }
      return false;
    }
  }

  public String name() {
    return name;
  }

  /** The bound addresses, with the ports the kernel chose where port 0 was asked for. */
  public List<SocketAddress> boundAddresses() {
    List<SocketAddress> addresses = new ArrayList<>();
    for (Channel socket : sockets) {
      if (!addresses.contains(socket.localAddress())) {
        addresses.add(socket.localAddress());
      }
    }
    return addresses;
  }

  public AcceptGate gate() {
    return gate;
  }

  /** Stops accepting: closes every listening socket. Open connections are not touched. */
  public void close() {
    gate.close();
    for (Channel socket : sockets) {
      socket.close().awaitUninterruptibly();
      if (socket.localAddress() instanceof DomainSocketAddress domain
          && !domain.path().isEmpty()
          && domain.path().charAt(0) != '\0') {
        try {
          Files.deleteIfExists(Path.of(domain.path()));
        } catch (IOException e) {
          // Left behind; the next bind removes it as stale.
        }
      }
    }
  }
}
