package io.sluice.tls;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.ReferenceCountedOpenSslEngine;
import io.netty.handler.ssl.SniHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.internal.tcnative.SSL;
import io.netty.util.Mapping;
import javax.net.ssl.SSLEngine;

/**
 * Takes one client through its handshake and counts the outcome. When added, it puts Netty's {@link
 * SniHandler} in front of itself; that handler reads the ClientHello, picks the context by SNI and
 * replaces itself with an {@link SslHandler}. This handler then counts the handshake as full,
 * resumed, shed or failed, exactly once, marks a shed failure so that later handlers can tell it
 * apart ({@link TlsTerminator#isShed}), passes the event on and leaves the pipeline.
 *
 * <p>One instance per connection; runs on its event loop only.
 */
final class HandshakeRecorder extends ChannelInboundHandlerAdapter {
  private final Mapping<String, SslContext> contexts;
  private final SigningQueue queue;
  private final TlsStats stats;
  private final long startedMillis = System.currentTimeMillis();
  private boolean recorded;

  HandshakeRecorder(Mapping<String, SslContext> contexts, SigningQueue queue, TlsStats stats) {
    this.contexts = contexts;
    this.queue = queue;
    this.stats = stats;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    ctx.pipeline().addBefore(ctx.name(), null, new SniHandler(contexts));
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
    if (!(event instanceof SslHandshakeCompletionEvent completion) || recorded) {
      ctx.fireUserEventTriggered(event);
      return;
    }
    recorded = true;
    SSLEngine engine = engine(ctx);
    if (completion.isSuccess()) {
      stats.succeeded(resumed(engine, startedMillis));
      ctx.fireUserEventTriggered(completion);
    } else {
      boolean shed = queue.wasShed(engine);
      stats.failed(shed);
      ctx.fireUserEventTriggered(
          shed ? new SslHandshakeCompletionEvent(AsyncSigningMethod.SHED) : completion);
    }
    ctx.pipeline().remove(this);
  }

  /** A client that leaves while its ClientHello is still incomplete has no handshake event. */
  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (!recorded) {
      recorded = true;
      stats.failed(queue.wasShed(engine(ctx)));
    }
    ctx.fireChannelInactive();
  }

  private static SSLEngine engine(ChannelHandlerContext ctx) {
    SslHandler ssl = ctx.pipeline().get(SslHandler.class);
    return ssl == null ? null : ssl.engine();
  }

  /**
   * Whether the handshake resumed a session. BoringSSL says so directly. The JDK's engine does not:
   * a resumed session keeps the creation time of the handshake that first made it, which is the
   * best sign there is.
   */
  static boolean resumed(SSLEngine engine, long handshakeStartedMillis) {
    if (engine instanceof ReferenceCountedOpenSslEngine openssl) {
      long ssl = openssl.sslPointer();
      return ssl != 0 && SSL.isSessionReused(ssl);
    }
    return engine != null && engine.getSession().getCreationTime() < handshakeStartedMillis;
  }
}
