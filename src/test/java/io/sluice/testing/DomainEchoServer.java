package io.sluice.testing;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.channel.unix.DomainSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * A server on a unix-domain socket, a file path or a Linux abstract name (a path starting with
 * NUL), that writes back everything it reads and shuts its output once the client has shut its own,
 * as {@link EchoServer} does over TCP. Built on Netty's epoll transport because the JDK cannot bind
 * abstract names.
 *
 * <p>Threads: one event loop of its own, shut down by {@link #close()}.
 */
public final class DomainEchoServer implements AutoCloseable {
  private final EventLoopGroup group;

  public DomainEchoServer(DomainSocketAddress address) throws InterruptedException {
    group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    try {
      new ServerBootstrap()
          .group(group)
          .channel(EpollServerDomainSocketChannel.class)
          .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
          .childHandler(new Echo())
          .bind(address)
          .sync();
    } catch (InterruptedException | RuntimeException e) {
      close();
      throw e;
    }
  }

  @Override
  public void close() {
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
  }

  @Sharable
  private static final class Echo extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ctx.write(msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
      ctx.flush();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
      if (event instanceof ChannelInputShutdownEvent) {
        ctx.writeAndFlush(Unpooled.EMPTY_BUFFER)
            .addListener(
                (ChannelFutureListener) f -> ((DuplexChannel) ctx.channel()).shutdownOutput());
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }
}
