package io.sluice.admin;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * The admin listener on its own thread: a scrape, a dashboard poll or an operator's curl never
 * waits behind traffic, and never holds anything traffic takes.
 *
 * <p>Threads: started and closed by the control thread; requests run on the admin loop.
 */
public final class AdminServer implements AutoCloseable {
  /** Requests to the admin API are small: 64 KiB is plenty and bounds a hostile client. */
  private static final int MAX_REQUEST = 64 * 1024;

  private final EventLoopGroup group;
  private final Channel socket;

  private AdminServer(EventLoopGroup group, Channel socket) {
    this.group = group;
    this.socket = socket;
  }

  /**
   * Binds {@code address} and serves the admin API.
   *
   * @param token the bearer token every request must carry, or null for none
   * @throws InterruptedException if interrupted while binding
   * @throws IllegalStateException naming the address when the bind fails
   */
  public static AdminServer start(InetSocketAddress address, String token, Control control)
      throws InterruptedException {
    PrometheusRegistry registry = new PrometheusRegistry();
    registry.register(new SluiceCollector(control::view));
    PrometheusRegistry process = ProcessMetrics.registry();
    registry.register((MultiCollector) process::scrape);
    AdminHandler handler = new AdminHandler(control, registry, token, dashboardPage());
    EventLoopGroup group =
        new MultiThreadIoEventLoopGroup(
            1, new DefaultThreadFactory("sluice-admin", true), NioIoHandler.newFactory());
    var bound =
        new ServerBootstrap()
            .group(group)
            .channel(NioServerSocketChannel.class)
            .childHandler(
                new ChannelInitializer<Channel>() {
                  @Override
                  protected void initChannel(Channel ch) {
                    ch.pipeline()
                        .addLast(new HttpServerCodec(), new HttpObjectAggregator(MAX_REQUEST))
                        .addLast(handler);
                  }
                })
            .bind(address)
            .await();
    if (!bound.isSuccess()) {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      throw new IllegalStateException(
          "the admin listener cannot bind " + address + ": " + bound.cause().getMessage(),
          bound.cause());
    }
    return new AdminServer(group, bound.channel());
  }

  /** The dashboard, read once from the jar: one self-contained HTML page. */
  private static byte[] dashboardPage() {
    try (InputStream in = AdminServer.class.getResourceAsStream("dashboard.html")) {
      if (in == null) {
        throw new IllegalStateException("dashboard.html is missing from the jar");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new IllegalStateException("cannot read dashboard.html from the jar: " + e, e);
    }
  }

  /** The bound address, with the port the kernel chose when 0 was asked for. */
  public InetSocketAddress address() {
    return (InetSocketAddress) socket.localAddress();
  }

  @Override
  public void close() {
    socket.close().awaitUninterruptibly();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
  }
}
