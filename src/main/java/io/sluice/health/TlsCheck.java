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
 * handshake). In a pool without TLS of its own, not who the server is: certificates are not
 * verified, as they are not for a TCP check's peer either. In a pool with a {@code tls} block, the
 * handshake is the one traffic makes (its verification, client certificate and SNI; the check's
 * {@code sni} applies when the pool's block names none), so a server whose certificate traffic
 * would refuse is down.
 */
final class TlsCheck implements HealthCheck {
  private final Duration timeout;
  private final String sni;
  private final ChannelTypes channels;
  private final SslContext context;
  private final CheckTls poolTls;

  TlsCheck(Duration timeout, String sni, ChannelTypes channels, CheckTls poolTls) {
    this.timeout = timeout;
    this.sni = sni;
    this.channels = channels;
    this.poolTls = poolTls;
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
    if (poolTls != null) {
      InetSocketAddress inet = address instanceof InetSocketAddress a ? a : null;
      String host = sni != null ? sni : inet == null ? null : inet.getHostString();
      return poolTls.newHandler(
          probe.channel().alloc(), host, inet == null ? -1 : inet.getPort(), timeout);
    }
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
          probe.report(CheckOutcome.failed("handshake failed: " + innermost(completion.cause())));
        }
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      probe.report(CheckOutcome.failed("closed during the handshake"));
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      probe.report(CheckOutcome.failed("handshake failed: " + innermost(cause)));
    }

    /** BoringSSL wraps a refused certificate in a "general problem"; the cause says which. */
    private static String innermost(Throwable cause) {
      String message = null;
      for (Throwable at = cause; at != null; at = at.getCause()) {
        if (at.getMessage() != null) {
          message = at.getMessage();
        }
      }
      return message;
    }
  }
}
