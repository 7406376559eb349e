package io.sluice.health;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.sluice.pool.Server;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.function.Consumer;
import javax.net.ssl.SSLException;

/**
 * Passes when a TLS handshake with the server completes, optionally with an SNI name. It checks
 * that the server's TLS stack answers (a process can accept TCP and still be unable to finish a
 * handshake), not who the server is: certificates are not verified here, as they are not for a TCP
 * check's peer either.
 */
final class TlsCheck implements HealthCheck {
  private final Duration timeout;
  private final String sni;
  private final ChannelTypes channels;
  private final SslContext context;

  TlsCheck(Duration timeout, String sni, ChannelTypes channels) {
    this.timeout = timeout;
    this.sni = sni;
    this.channels = channels;
    try {
      this.context =
          SslContextBuilder.forClient()
              .trustManager(InsecureTrustManagerFactory.INSTANCE)
              .protocols("TLSv1.3", "TLSv1.2")
              .build();
    } catch (SSLException e) {
      throw new IllegalStateException("cannot build the TLS check's client context", e);
    }
  }

  @Override
  public void run(Server server, EventLoop loop, Consumer<CheckOutcome> done) {
    SocketAddress address = (SocketAddress) server.address();
    ProbeConnection.open(
        loop,
        channels.forAddress(address),
        address,
        timeout,
        done,
        probe -> {
          SslHandler ssl = sslHandler(probe, address);
          probe.channel().pipeline().addLast(ssl);
          return new HandshakeWatcher(probe);
        });
  }

  private SslHandler sslHandler(ProbeConnection probe, SocketAddress address) {
    if (sni != null) {
      int port = address instanceof InetSocketAddress inet ? inet.getPort() : 443;
      return context.newHandler(probe.channel().alloc(), sni, port);
    }
    return context.newHandler(probe.channel().alloc());
  }

  /** Reports the handshake's outcome. */
  private static final class HandshakeWatcher extends ChannelInboundHandlerAdapter {
    private final ProbeConnection probe;

    HandshakeWatcher(ProbeConnection probe) {
      this.probe = probe;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
      if (event instanceof SslHandshakeCompletionEvent completion) {
        if (completion.isSuccess()) {
          SslHandler ssl = ctx.pipeline().get(SslHandler.class);
          probe.report(CheckOutcome.passed("handshake " + ssl.engine().getSession().getProtocol()));
        } else {
          probe.report(CheckOutcome.failed("handshake failed: " + completion.cause().getMessage()));
        }
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      probe.report(CheckOutcome.failed("closed during the handshake"));
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      probe.report(CheckOutcome.failed("handshake failed: " + cause.getMessage()));
    }
  }
}
