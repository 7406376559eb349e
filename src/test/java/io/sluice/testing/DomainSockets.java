package io.sluice.testing;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.socket.DuplexChannel;
import io.netty.channel.unix.DomainSocketAddress;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Unix-domain socket routines the JDK cannot do, because they involve abstract names. */
public final class DomainSockets {
  private DomainSockets() {}

  /**
   * Connects to {@code address} (a path or an abstract name) with Netty's epoll transport, sends
   * {@code payload}, shuts output, and returns everything received until the peer closes, within
   * twenty seconds.
   */
  public static byte[] exchange(DomainSocketAddress address, byte[] payload) throws Exception {
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    try {
      Collector collector = new Collector();
      Channel channel =
          new Bootstrap()
              .group(group)
              .channel(EpollDomainSocketChannel.class)
              .handler(collector)
              .connect(address)
              .sync()
              .channel();
      channel
          .writeAndFlush(Unpooled.wrappedBuffer(payload))
          .addListener((ChannelFutureListener) f -> ((DuplexChannel) channel).shutdownOutput());
      return collector.received.get(20, TimeUnit.SECONDS);
    } finally {
      group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
  }

  /**
   * Whether the kernel lists a unix socket bound to exactly the abstract name {@code name}, as
   * {@code @name} in /proc/net/unix. A name padded with NULs to the full sun_path (as some
   * implementations bind it) shows trailing {@code @}s, and programs that address abstract sockets
   * by their exact length (systemd, socat, Python) cannot reach it.
   */
  public static boolean abstractNameBound(String name) {
    try {
      return Files.readAllLines(Path.of("/proc/net/unix")).stream()
          .anyMatch(line -> line.endsWith(" @" + name));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Collects what one connection receives; runs on its event loop only. */
  private static final class Collector extends ChannelInboundHandlerAdapter {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final CompletableFuture<byte[]> received = new CompletableFuture<>();

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws IOException {
      ByteBuf buffer = (ByteBuf) msg;
      try {
        buffer.readBytes(bytes, buffer.readableBytes());
      } finally {
        buffer.release();
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      received.complete(bytes.toByteArray());
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      received.completeExceptionally(cause);
      ctx.close();
    }
  }
}
