package io.sluice.testing;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SniHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.ssl.SslProvider;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * A TLS server on loopback that writes back what it reads, recording for each handshake the server
 * name the client sent ({@code ""} for none) and the subject of its certificate ({@code ""} for
 * none). With a client CA it requires a client certificate from that CA.
 *
 * <p>Threads: a Netty event loop of its own; records reach the test through blocking queues.
 */
public final class TlsEchoServer implements AutoCloseable {
  private final EventLoopGroup group =
      new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
  private final Channel listening;
  private final BlockingQueue<String> serverNames = new LinkedBlockingQueue<>();
  private final BlockingQueue<String> clientSubjects = new LinkedBlockingQueue<>();
  private final AtomicInteger handshakes = new AtomicInteger();
  private final AtomicInteger failedHandshakes = new AtomicInteger();

  /**
   * @param clientCa {@code null}: no client certificate asked for; else one is required from it
   */
  public TlsEchoServer(Path cert, Path key, Path clientCa) throws Exception {
    SslContextBuilder builder =
        SslContextBuilder.forServer(cert.toFile(), key.toFile()).sslProvider(SslProvider.JDK);
    if (clientCa != null) {
      builder.clientAuth(ClientAuth.REQUIRE).trustManager(clientCa.toFile());
    }
    SslContext context = builder.build();
    listening =
        new ServerBootstrap()
            .group(group)
            .channel(NioServerSocketChannel.class)
            .childHandler(
                new ChannelInitializer<Channel>() {
                  @Override
                  protected void initChannel(Channel channel) {
                    channel
                        .pipeline()
                        .addLast(
                            new SniHandler(
                                name -> {
                                  serverNames.add(name == null ? "" : name);
                                  return context;
                                }),
                            new Echo());
                  }
                })
            .bind("127.0.0.1", 0)
            .sync()
            .channel();
  }

  /** {@code 127.0.0.1:port}. */
  public String address() {
    return "127.0.0.1:" + ((InetSocketAddress) listening.localAddress()).getPort();
  }

  /** The server name of the next handshake ({@code ""}: none), waiting up to ten seconds. */
  public String nextServerName() throws InterruptedException {
    return serverNames.poll(10, TimeUnit.SECONDS);
  }

  /** The client certificate subject of the next handshake ({@code ""}: none). */
  public String nextClientSubject() throws InterruptedException {
    return clientSubjects.poll(10, TimeUnit.SECONDS);
  }

  public int handshakes() {
    return handshakes.get();
  }

  public int failedHandshakes() {
    return failedHandshakes.get();
  }

  private final class Echo extends ChannelInboundHandlerAdapter {
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
      if (event instanceof SslHandshakeCompletionEvent completion) {
        if (!completion.isSuccess()) {
          failedHandshakes.incrementAndGet();
          ctx.close();
          return;
        }
        handshakes.incrementAndGet();
        clientSubjects.add(subject(ctx.pipeline().get(SslHandler.class)));
      }
    }

    private String subject(SslHandler ssl) {
      try {
        return ((X509Certificate) ssl.engine().getSession().getPeerCertificates()[0])
            .getSubjectX500Principal()
            .getName();
      } catch (SSLPeerUnverifiedException none) {
        return "";
      }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ctx.writeAndFlush((ByteBuf) msg);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }

  @Override
  public void close() {
    listening.close().awaitUninterruptibly();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
  }
}
