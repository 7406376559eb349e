package io.sluice.tls;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.ReferenceCountedOpenSslEngine;
import io.netty.handler.ssl.SniHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.Mapping;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.util.concurrent.Executor;

/**
 * Reads a client's ClientHello and puts the {@link SslHandler} of the certificate it should get in
 * its place: a TLS-ALPN-01 challenge's when the client offers ALPN {@code acme-tls/1} for a name
 * being validated, else the one its SNI names, which may be ordered on demand and arrive later
 * (Netty's SNI handler waits for it without blocking the loop, reads paused). The chosen
 * certificate's OCSP response is stapled to the new engine before its handshake starts.
 *
 * <p>One instance per connection; runs on its event loop only.
 */
final class ClientHelloSelector extends SniHandler {
  static final String ACME_TLS_1 = "acme-tls/1";

  private static final Mapping<String, SslContext> UNUSED = name -> null;

  private final CertificateSelection selection;
  private final Executor handshakeTasks;
  private boolean offersAcmeTls;
  private LiveCertificate chosen;

  /**
   * @param handshakeTasks where the JDK engine's delegated tasks run; {@code null} for BoringSSL
   */
  ClientHelloSelector(CertificateSelection selection, Executor handshakeTasks) {
    super(UNUSED);
    this.selection = selection;
    this.handshakeTasks = handshakeTasks;
  }

  @Override
  protected Future<SslContext> lookup(ChannelHandlerContext ctx, ByteBuf clientHello)
      throws Exception {
    offersAcmeTls = clientHello != null && ClientHelloAlpn.offers(clientHello, ACME_TLS_1);
    return super.lookup(ctx, clientHello);
  }

  @Override
  protected Future<SslContext> lookup(ChannelHandlerContext ctx, String hostname) {
    if (offersAcmeTls) {
      SslContext challenge = selection.challenge(hostname);
      if (challenge != null) {
        return ctx.executor().newSucceededFuture(challenge);
      }
    }
    Future<LiveCertificate> certificate = selection.select(hostname, ctx.executor());
    if (certificate.isDone()) {
      chosen = certificate.getNow();
      return ctx.executor().newSucceededFuture(chosen.context());
    }
    Promise<SslContext> context = ctx.executor().newPromise();
    certificate.addListener(
        done -> {
          chosen = certificate.getNow();
          context.trySuccess(chosen.context());
        });
    return context;
  }

  @Override
  protected SslHandler newSslHandler(SslContext context, ByteBufAllocator allocator) {
    SslHandler handler =
        handshakeTasks == null
            ? super.newSslHandler(context, allocator)
            : context.newHandler(allocator, handshakeTasks);
    if (chosen != null
        && chosen.context() == context
        && chosen.staple() != null
        && handler.engine() instanceof ReferenceCountedOpenSslEngine engine) {
      engine.setOcspResponse(chosen.staple());
    }
    return handler;
  }
}
