package io.sluice.net;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
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
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The listening sockets of one configured listener. With SO_REUSEPORT each event loop gets its own
 * socket bound to the same address, so accepting is spread by the kernel and every accepted
 * connection stays on the loop that accepted it; otherwise one socket serves them all.
 *
 * <p>A reload keeps the sockets of addresses that stay (no re-bind, no lost SYN), binds added
 * addresses before closing removed ones, and swaps what new connections go through ({@link
 * #childHandler}); connections already accepted keep the pipeline they were given.
 *
 * <p>Threads: built, changed and closed by the control thread; {@code sockets} is republished whole
 * so the admin and handover threads can read it.
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
  private final boolean reusePort;
  private final int backlog;
  private final AcceptGate gate;
  private final Transport transport;
  private final EventLoopGroup group;
  private final CurrentChildHandler children;

  /** The sockets of each configured address, in configured order. */
  private volatile Map<SocketAddress, List<Channel>> sockets = Map.of();

  private Listener(
      String name,
      boolean reusePort,
      int backlog,
      AcceptGate gate,
      Transport transport,
      EventLoopGroup group,
      ChannelHandler childInitializer) {
    this.name = name;
    this.reusePort = reusePort;
    this.backlog = backlog;
    this.gate = gate;
    this.transport = transport;
    this.group = group;
    this.children = new CurrentChildHandler(childInitializer);
  }

  /**
   * Binds every address, one socket per event loop where SO_REUSEPORT applies, or adopts the
   * sockets {@code inherited} holds for an address. Nothing is accepted before {@link
   * #startAccepting()}.
   *
   * @param childInitializer sets up each accepted connection's pipeline; may be set later
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
      ChannelHandler childInitializer,
      InheritedSockets inherited)
      throws BindException {
    Listener listener =
        new Listener(name, reusePort, backlog, gate, transport, group, childInitializer);
    try {
      listener.bindMore(addresses, inherited);
    } catch (BindException e) {
      gate.close();
      throw e;
    }
    return listener;
  }

  /**
   * Binds (or adopts from {@code inherited}) the addresses of {@code addresses} this listener does
   * not have yet; the ones it has keep their sockets. Nothing is closed: {@link #closeExcept} does
   * that once the whole reload has succeeded.
   *
   * @throws BindException when an address cannot be bound; what this call bound is closed again
   */
  public void bindMore(List<SocketAddress> addresses, InheritedSockets inherited)
      throws BindException {
    Map<SocketAddress, List<Channel>> now = new LinkedHashMap<>(sockets);
    Map<SocketAddress, List<Channel>> added = new LinkedHashMap<>();
    try {
      for (SocketAddress address : addresses) {
        if (!now.containsKey(address) && !added.containsKey(address)) {
          added.put(address, open(address, inherited.take(address)));
        }
      }
    } catch (BindException e) {
      for (List<Channel> channels : added.values()) {
        channels.forEach(gate::unguard);
        closeSockets(channels);
      }
      throw e;
    }
    now.putAll(added);
    sockets = Collections.unmodifiableMap(now);
  }

  /** Closes the sockets of every address not in {@code addresses}: a reload removed them. */
  public void closeExcept(List<SocketAddress> addresses) {
    Map<SocketAddress, List<Channel>> kept = new LinkedHashMap<>();
    List<List<Channel>> removed = new ArrayList<>();
    sockets.forEach(
        (address, channels) -> {
          if (addresses.contains(address)) {
            kept.put(address, channels);
          } else {
            removed.add(channels);
          }
        });
    sockets = Collections.unmodifiableMap(kept);
    for (List<Channel> channels : removed) {
      channels.forEach(gate::unguard);
      closeSockets(channels);
    }
  }

  /** Swaps what connections accepted from now on go through; open ones keep theirs. */
  public void childHandler(ChannelHandler childInitializer) {
    children.current = childInitializer;
  }

  private List<Channel> open(SocketAddress address, List<Integer> inheritedFds)
      throws BindException {
    boolean perLoop =
        reusePort && transport.supportsReusePort() && !SocketAddresses.isDomain(address);
    List<EventLoop> all = loopsOf(group);
    List<Channel> opened = new ArrayList<>();
    try {
      for (int i = 0; i < inheritedFds.size(); i++) {
        EventLoop loop = all.get(perLoop ? i % all.size() : 0);
        int fd = inheritedFds.get(i);
        ChannelFuture adopted =
            bootstrap(loop, perLoop, () -> transport.adoptServerChannel(fd, address), address)
                .register()
                .awaitUninterruptibly();
        if (!adopted.isSuccess()) {
          throw new BindException(name, address, adopted.cause());
        }
        opened.add(adopted.channel());
      }
      if (inheritedFds.isEmpty()) {
        if (SocketAddresses.isDomain(address) && socketFileInUse((DomainSocketAddress) address)) {
          throw new BindException(
              name, address, new IOException("the socket file is in use by a running process"));
        }
        // Not group.next(): with the least-loaded chooser that would count the socket as a client.
        List<EventLoop> loops = perLoop ? all : List.of(all.get(0));
        SocketAddress bindTo = address;
        for (EventLoop loop : loops) {
          ChannelFuture bound =
              bootstrap(loop, perLoop, null, address).bind(bindTo).awaitUninterruptibly();
          if (!bound.isSuccess()) {
            throw new BindException(name, bindTo, bound.cause());
          }
          // Port 0: the kernel chose a port for the first socket; the others must share it.
          bindTo = bound.channel().localAddress();
          opened.add(bound.channel());
        }
      }
    } catch (BindException e) {
      closeSockets(opened);
      throw e;
    }
    opened.forEach(gate::guard);
    return List.copyOf(opened);
  }

  /**
   * @param adopt makes the channel around an inherited socket, or {@code null} to bind a new one
   */
  private ServerBootstrap bootstrap(
      EventLoop loop,
      boolean perLoop,
      ChannelFactory<? extends ServerChannel> adopt,
      SocketAddress address) {
    ServerBootstrap bootstrap = new ServerBootstrap().group(loop, perLoop ? loop : group);
    if (adopt == null) {
      bootstrap.channel(transport.serverChannel(address));
    } else {
      bootstrap.channelFactory(adopt);
    }
    bootstrap
        .option(ChannelOption.SO_BACKLOG, backlog)
        // Connections wait in the backlog until the reload that bound the socket has set
        // what they go through: startAccepting().
        .option(ChannelOption.AUTO_READ, false)
        .handler(gate)
        .childOption(ChannelOption.AUTO_READ, false)
        .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
        .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, RELAY_WATER_MARK)
        .childHandler(children);
    if (!SocketAddresses.isDomain(address)) {
      bootstrap.childOption(ChannelOption.TCP_NODELAY, true);
      bootstrap.option(ChannelOption.SO_REUSEADDR, true);
    }
    if (perLoop) {
      bootstrap.option(UnixChannelOption.SO_REUSEPORT, true);
    }
    return bootstrap;
  }

  /**
   * Hands each accepted connection the listener's current initializer, so a reload changes what new
   * connections go through without touching the listening sockets.
   */
  @Sharable
  private static final class CurrentChildHandler extends ChannelInitializer<Channel> {
    /** Written by the control thread, read once per accepted connection. */
    volatile ChannelHandler current;

    CurrentChildHandler(ChannelHandler current) {
      this.current = current;
    }

    @Override
    protected void initChannel(Channel child) {
      child.pipeline().addLast(current);
    }
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
    for (Channel socket : listeningSockets()) {
      if (!addresses.contains(socket.localAddress())) {
        addresses.add(socket.localAddress());
      }
    }
    return addresses;
  }

  public AcceptGate gate() {
    return gate;
  }

  /**
   * Starts accepting on sockets bound or adopted since the last call, once {@link #childHandler}
   * says what their connections go through; sockets the gate holds paused stay paused.
   */
  public void startAccepting() {
    for (Channel socket : listeningSockets()) {
      if (!socket.config().isAutoRead() && !gate.paused() && gate.open()) {
        socket.config().setAutoRead(true);
      }
    }
  }

  /** Every listening socket, for a hitless restart to hand over. */
  public List<Channel> listeningSockets() {
    List<Channel> all = new ArrayList<>();
    sockets.values().forEach(all::addAll);
    return all;
  }

  /**
   * Stops accepting without closing: the sockets were handed to the process taking over, and
   * closing them here would drop the connections waiting in their backlog.
   */
  public void stopAccepting() {
    gate.close();
    for (Channel socket : listeningSockets()) {
      socket.config().setAutoRead(false);
    }
  }

  /** Stops accepting: closes every listening socket. Open connections are not touched. */
  public void close() {
    gate.close();
    List<Channel> all = listeningSockets();
    sockets = Map.of();
    closeSockets(all);
  }

  private static void closeSockets(List<Channel> channels) {
    for (Channel socket : channels) {
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
