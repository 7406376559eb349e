package io.sluice.cli;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Small HTTP servers for {@code sluice demo}: each answers every request with its own name, so a
 * few requests through Sluice show the balancing at work. One thread serves them all.
 */
final class DemoBackends implements AutoCloseable {
  private final EventLoopGroup group =
      new MultiThreadIoEventLoopGroup(
          1, new DefaultThreadFactory("demo-backend", true), NioIoHandler.newFactory());
  private final List<Channel> servers = new ArrayList<>();

  /** Starts {@code count} backends on loopback, on ports the kernel picks. */
  static DemoBackends start(int count) throws InterruptedException {
    DemoBackends backends = new DemoBackends();
    for (int i = 1; i <= count; i++) {
      backends.servers.add(backends.startOne("backend-" + i));
    }
    return backends;
  }

  private Channel startOne(String name) throws InterruptedException {
    ByteBuf body =
        Unpooled.unreleasableBuffer(
            Unpooled.copiedBuffer("hello from " + name + "\n", StandardCharsets.UTF_8));
    return new ServerBootstrap()
        .group(group)
        .channel(NioServerSocketChannel.class)
        .childHandler(
            new ChannelInitializer<Channel>() {
              @Override
              protected void initChannel(Channel ch) {
                ch.pipeline()
                    .addLast(new HttpServerCodec(), new HttpObjectAggregator(64 * 1024))
                    .addLast(new Answer(body));
              }
            })
        .bind(new InetSocketAddress("127.0.0.1", 0))
        .sync()
        .channel();
  }

  /** The backends' addresses, {@code 127.0.0.1:port}. */
  List<String> addresses() {
    List<String> addresses = new ArrayList<>();
    for (Channel server : servers) {
      addresses.add("127.0.0.1:" + ((InetSocketAddress) server.localAddress()).getPort());
    }
    return addresses;
  }

  @Override
  public void close() {
    servers.forEach(Channel::close);
    group.shutdownGracefully();
  }

  private static final class Answer extends SimpleChannelInboundHandler<HttpRequest> {
    private final ByteBuf body;

    Answer(ByteBuf body) {
      this.body = body;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, HttpRequest request) {
      FullHttpResponse response =
          new DefaultFullHttpResponse(
              HttpVersion.HTTP_1_1, HttpResponseStatus.OK, body.duplicate());
      response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.TEXT_PLAIN);
      response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
      boolean keepAlive = HttpUtil.isKeepAlive(request);
      HttpUtil.setKeepAlive(response, keepAlive);
      if (keepAlive) {
        ctx.writeAndFlush(response);
      } else {
        ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
      }
    }
  }
}
