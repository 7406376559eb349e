package io.sluice.proxy.http;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.util.concurrent.FastThreadLocal;
import io.sluice.net.Listener;
import io.sluice.net.SocketAddresses;
import io.sluice.net.Transport;
import io.sluice.pool.Server;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Keep-alive HTTP/1.1 connections to one pool's servers, kept per event loop: a request takes an
 * idle connection of its own loop (no lock, no handoff between threads) or opens one on that loop.
 *
 * <p>Idle connections are reused most recent first, so a quiet period lets the oldest ones time out
 * ({@code idle_timeout}, shorter than the servers' own) instead of keeping every one barely alive.
 *
 * <p>Threads: each event loop touches only its own map.
 */
final class BackendConnections {
  /**
   * 64 KiB response heads: servers set long cookies and CSP headers; a longer head is refused with
   * 502.
   */
  private static final int MAX_RESPONSE_HEAD = 64 * 1024;

  private final Transport transport;
  private final int connectTimeoutMillis;
  private final int maxIdlePerServer;
  private final long idleTimeoutNanos;

  private final FastThreadLocal<Map<Server, ArrayDeque<BackendHandler>>> idle =
      new FastThreadLocal<>() {
        @Override
        protected Map<Server, ArrayDeque<BackendHandler>> initialValue() {
          return new IdentityHashMap<>();
        }
      };

  BackendConnections(
      Transport transport, Duration connectTimeout, int maxIdlePerServer, Duration idleTimeout) {
    this.transport = transport;
    this.connectTimeoutMillis = (int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis());
    this.maxIdlePerServer = maxIdlePerServer;
    this.idleTimeoutNanos = idleTimeout.toNanos();
  }

  /** An idle open connection to {@code server} on the calling event loop, or {@code null}. */
  BackendHandler takeIdle(Server server) {
    ArrayDeque<BackendHandler> idleOnes = idle.get().get(server);
    if (idleOnes == null) {
      return null;
    }
    BackendHandler connection;
    while ((connection = idleOnes.pollFirst()) != null) {
      connection.leaveIdle();
      if (connection.channel().isActive()) {
        return connection;
      }
    }
    return null;
  }

  /** Opens a connection to {@code server} on {@code loop}; the future completes when connected. */
  ChannelFuture connect(Server server, EventLoop loop) {
    return connect(
        transport,
        server,
        loop,
        connectTimeoutMillis,
        new ChannelInitializer<>() {
          @Override
          protected void initChannel(Channel channel) {
            channel
                .pipeline()
                .addLast(
                    "http",
                    new HttpClientCodec(
                        new HttpDecoderConfig()
                            .setMaxInitialLineLength(8192)
                            .setMaxHeaderSize(MAX_RESPONSE_HEAD),
                        false,
                        false))
                .addLast("backend", new BackendHandler(BackendConnections.this, server));
          }
        });
  }

  /**
   * Connects to {@code server} on {@code loop} with the options every server connection gets, its
   * pipeline set up by {@code initializer}.
   */
  static ChannelFuture connect(
      Transport transport,
      Server server,
      EventLoop loop,
      int connectTimeoutMillis,
      ChannelInitializer<Channel> initializer) {
    SocketAddress address = (SocketAddress) server.address();
    Bootstrap bootstrap =
        new Bootstrap()
            .group(loop)
            .channel(transport.clientChannel(address))
            .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMillis)
            .option(ChannelOption.WRITE_BUFFER_WATER_MARK, Listener.RELAY_WATER_MARK)
            .handler(initializer);
    if (!SocketAddresses.isDomain(address)) {
      bootstrap.option(ChannelOption.TCP_NODELAY, true);
    }
    return bootstrap.connect(address);
  }

  /**
   * Keeps {@code connection}, whose last exchange finished cleanly, for the next request on this
   * loop; closes it when the loop already keeps enough.
   */
  void giveBack(BackendHandler connection) {
    Channel channel = connection.channel();
    if (!channel.isActive()) {
      return;
    }
    ArrayDeque<BackendHandler> idleOnes =
        idle.get().computeIfAbsent(connection.server(), s -> new ArrayDeque<>());
    if (idleOnes.size() >= maxIdlePerServer) {
      channel.close();
      return;
    }
    idleOnes.addFirst(connection);
    connection.enterIdle(
        channel
            .eventLoop()
            .schedule(() -> expire(connection), idleTimeoutNanos, TimeUnit.NANOSECONDS));
  }

  /** An idle connection timed out or was closed by its server: forget it. */
  void forget(BackendHandler connection) {
    ArrayDeque<BackendHandler> idleOnes = idle.get().get(connection.server());
    if (idleOnes != null) {
      idleOnes.remove(connection);
    }
  }

  private void expire(BackendHandler connection) {
    forget(connection);
    connection.channel().close();
  }
}
