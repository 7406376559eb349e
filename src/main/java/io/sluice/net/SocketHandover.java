package io.sluice.net;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.channel.unix.DomainSocketReadMode;
import io.netty.channel.unix.FileDescriptor;
import io.netty.channel.unix.UnixChannel;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Hitless restart: a running Sluice listens on a control unix socket; a new one connects, receives
 * the listening sockets ({@code SCM_RIGHTS}), starts accepting on them, then tells the old one to
 * stop accepting and drain. The listening sockets are never closed in between, so no connection in
 * their backlogs is lost.
 *
 * <p>The protocol is two requests, each on a connection of its own, each one line:
 *
 * <ul>
 *   <li>{@code SOCKETS}: the old process sends one descriptor per listening socket and closes the
 *       connection. The new one reads descriptors only, and asks the kernel what each is bound to.
 *   <li>{@code DRAIN}: the old process stops accepting (without closing the sockets), closes its
 *       control socket so the new one can bind the path, answers {@code DRAINING} and drains.
 * </ul>
 *
 * <p>Threads: the old side runs on a loop of its own; the new side blocks the starting thread.
 */
public final class SocketHandover implements AutoCloseable {
  /** Requests are one short word; anything longer is not a Sluice talking. */
  private static final int MAX_LINE = 64;

  private final EventLoopGroup group;
  private final Channel socket;
  private final Path path;

  /** Set once a successor asked to drain: the path is the successor's from then on. */
  private volatile boolean handedOver;

  /** What the running process offers to the one taking over. */
  public interface Source {
    /** The listening sockets to hand over, now. */
    List<Channel> listeningSockets();

    /** Stops accepting without closing the sockets and starts draining; must not block. */
    void handOver();
  }

  private SocketHandover(EventLoopGroup group, Channel socket, Path path) {
    this.group = group;
    this.socket = socket;
    this.path = path;
  }

  /**
   * Listens on {@code path} for a process that takes over.
   *
   * @throws IOException when the path cannot be bound (another live process serves it)
   */
  public static SocketHandover listen(Path path, Source source) throws IOException {
    EventLoopGroup group =
        new MultiThreadIoEventLoopGroup(
            1, new DefaultThreadFactory("sluice-handover", true), EpollIoHandler.newFactory());
    DomainSocketAddress address = new DomainSocketAddress(path.toString());
    if (Files.exists(path)) {
      if (answers(path)) {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        throw new IOException("a running process already serves the control socket " + path);
      }
      Files.deleteIfExists(path);
    }
    AtomicReference<SocketHandover> self = new AtomicReference<>();
    ChannelFuture bound =
        new ServerBootstrap()
            .group(group)
            .channel(EpollServerDomainSocketChannel.class)
            .childHandler(
                new ChannelInitializer<Channel>() {
                  @Override
                  protected void initChannel(Channel ch) {
                    ch.pipeline()
                        .addLast(new LineBasedFrameDecoder(MAX_LINE))
                        .addLast(new Requests(source, self));
                  }
                })
            .bind(address)
            .awaitUninterruptibly();
    if (!bound.isSuccess()) {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      throw new IOException("cannot bind the control socket " + path, bound.cause());
    }
    try {
      // Whoever can connect can take the listening sockets and stop this process: owner only.
      Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
    } catch (IOException | UnsupportedOperationException e) {
      bound.channel().close();
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      throw new IOException("cannot restrict the control socket " + path + " to its owner", e);
    }
    SocketHandover handover = new SocketHandover(group, bound.channel(), path);
    self.set(handover);
    return handover;
  }

  private static boolean answers(Path path) {
    try (java.nio.channels.SocketChannel probe =
        java.nio.channels.SocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
      probe.connect(java.net.UnixDomainSocketAddress.of(path));
      return true;
    } catch (IOException refused) {
      return false;
    }
  }

  /** The control socket's path. */
  public Path path() {
    return path;
  }

  /**
   * Stops listening and removes the socket file, unless a successor took over: the path is its own
   * then.
   */
  @Override
  public void close() {
    socket.close().awaitUninterruptibly();
    if (!handedOver) {
      try {
        Files.deleteIfExists(path);
      } catch (IOException e) {
        // Left behind; the next listen() finds nobody answering and removes it.
      }
    }
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
  }

  /** The old process's side: one request per connection. */
  private static final class Requests extends SimpleChannelInboundHandler<ByteBuf> {
    private final Source source;

    /** Set right after the bind succeeded; a request can only come after that in practice. */
    private final AtomicReference<SocketHandover> handover;

    Requests(Source source, AtomicReference<SocketHandover> handover) {
      this.source = source;
      this.handover = handover;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, ByteBuf line) {
      String request = line.toString(StandardCharsets.US_ASCII).trim();
      switch (request) {
        case "SOCKETS" -> {
          for (Channel listening : source.listeningSockets()) {
            if (listening instanceof UnixChannel unix && listening.isOpen()) {
              ctx.write(unix.fd());
            }
          }
          ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
        case "DRAIN" -> {
          SocketHandover self = handover.get();
          self.handedOver = true;
          source.handOver();
          // Free the path first: the new process binds it as soon as it reads the answer.
          self.socket.close();
          try {
            Files.deleteIfExists(self.path);
          } catch (IOException e) {
            // The new process removes a file nobody answers on.
          }
          ctx.writeAndFlush(Unpooled.copiedBuffer("DRAINING\n", StandardCharsets.US_ASCII))
              .addListener(ChannelFutureListener.CLOSE);
        }
        default -> ctx.close();
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }

  /**
   * The new process's side: receives the listening sockets of the process serving {@code path}.
   *
   * @throws IOException when nobody answers, or the answer does not come within {@code timeout}
   */
  public static InheritedSockets receiveSockets(Path path, Duration timeout) throws IOException {
    List<FileDescriptor> received = new ArrayList<>();
    request(
        path,
        "SOCKETS",
        timeout,
        true,
        message -> {
          if (message instanceof FileDescriptor fd) {
            synchronized (received) {
              received.add(fd);
            }
          }
        });
    synchronized (received) {
      return InheritedSockets.of(received);
    }
  }

  /**
   * The new process's side: tells the process serving {@code path} to stop accepting and drain.
   *
   * @throws IOException when it does not confirm within {@code timeout}
   */
  public static void requestDrain(Path path, Duration timeout) throws IOException {
    StringBuilder answer = new StringBuilder();
    request(
        path,
        "DRAIN",
        timeout,
        false,
        message -> {
          if (message instanceof ByteBuf bytes) {
            synchronized (answer) {
              answer.append(bytes.toString(StandardCharsets.US_ASCII));
            }
          }
        });
    synchronized (answer) {
      if (!answer.toString().startsWith("DRAINING")) {
        throw new IOException("the running process did not confirm the drain: '" + answer + "'");
      }
    }
  }

  private static void request(
      Path path,
      String line,
      Duration timeout,
      boolean descriptors,
      java.util.function.Consumer<Object> onMessage)
      throws IOException {
    EventLoopGroup group =
        new MultiThreadIoEventLoopGroup(
            1, new DefaultThreadFactory("sluice-takeover", true), EpollIoHandler.newFactory());
    try {
      Bootstrap bootstrap =
          new Bootstrap()
              .group(group)
              .channel(EpollDomainSocketChannel.class)
              .handler(
                  new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelActive(ChannelHandlerContext ctx) {
                      ctx.writeAndFlush(
                          Unpooled.copiedBuffer(line + "\n", StandardCharsets.US_ASCII));
                    }

                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                      try {
                        onMessage.accept(msg);
                      } finally {
                        io.netty.util.ReferenceCountUtil.release(msg);
                      }
                    }

                    @Override
                    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                      ctx.close();
                    }
                  });
      if (descriptors) {
        bootstrap.option(
            EpollChannelOption.DOMAIN_SOCKET_READ_MODE, DomainSocketReadMode.FILE_DESCRIPTORS);
      }
      ChannelFuture connected =
          bootstrap.connect(new DomainSocketAddress(path.toString())).awaitUninterruptibly();
      if (!connected.isSuccess()) {
        throw new IOException(
            "nobody answers on the control socket " + path + ": " + connected.cause().getMessage(),
            connected.cause());
      }
      Channel channel = connected.channel();
      if (!channel.closeFuture().awaitUninterruptibly(timeout.toMillis())) {
        channel.close();
        throw new IOException("no answer to " + line + " on " + path + " within " + timeout);
      }
    } finally {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
    }
  }
}
