package io.sluice.tls;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.ReferenceCountedOpenSslEngine;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.internal.tcnative.SSL;
import java.util.concurrent.Executor;
import javax.net.ssl.SSLEngine;

/**
 * Takes one client through its handshake and counts the outcome. When added, it puts a {@link
 * ClientHelloSelector} in front of itself; that handler reads the ClientHello, picks the
 * certificate and replaces itself with an {@link SslHandler}. This handler then counts the
 * handshake as full, resumed, shed or failed, exactly once, marks a shed failure so that later
 * handlers can tell it apart ({@link TlsTerminator#isShed}), passes the event on and leaves the
 * pipeline.
 *
 * <p>One instance per connection; runs on its event loop only.
 */
final class HandshakeRecorder extends ChannelInboundHandlerAdapter {
  private final CertificateSelection certificates;
  private final SigningQueue queue;
  private final TlsStats stats;
  private final Executor handshakeTasks;
  private final long startedMillis = System.currentTimeMillis();
  private boolean recorded;

  /**
   * @param handshakeTasks where the JDK engine's delegated tasks run (key exchange, signature,
   *     certificate checks): the crypto pool, never the event loop; {@code null} for BoringSSL,
   *     which has none of its own worth moving (its signatures go through the signer)
   */
  HandshakeRecorder(
      CertificateSelection certificates,
      SigningQueue queue,
      TlsStats stats,
      Executor handshakeTasks) {
    this.certificates = certificates;
    this.queue = queue;
    this.stats = stats;
    this.handshakeTasks = handshakeTasks;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    ctx.pipeline()
        .addBefore(ctx.name(), null, new ClientHelloSelector(certificates, handshakeTasks));
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
