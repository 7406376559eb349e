package io.sluice.proxy.tcp;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.sluice.observe.TerminationState;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * Waits for the client's TLS handshake, then hands the connection on: a server is chosen and
 * connected only once the handshake succeeded, so a failed or abandoned one costs no server slot. A
 * failed handshake ends the connection as {@code CR} with the TLS reason in the log, a shed one as
 * {@code RR}; the timeout ({@code cR}) is the session's timer.
 *
 * <p>One instance per connection; runs on its event loop only.
 */
final class TlsHandshakeReader extends ChannelInboundHandlerAdapter {
  private final TcpSession session;
  private final ClientTls tls;
  private final long startedMillis = System.currentTimeMillis();
  private boolean done;

  TlsHandshakeReader(TcpSession session, ClientTls tls) {
    this.session = session;
    this.tls = tls;
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
    if (!(event instanceof SslHandshakeCompletionEvent completion)) {
      if (event instanceof ChannelInputShutdownEvent) {
        fail(null);
      } else {
        ctx.fireUserEventTriggered(event);
      }
      return;
    }
    done = true;
    if (!completion.isSuccess()) {
      fail(completion.cause());
      return;
    }
    SslHandler ssl = ctx.pipeline().get(SslHandler.class);
    SSLSession tlsSession = ssl.engine().getSession();
    session.tlsEstablished(
        tlsSession.getProtocol(),
        tls.resumed(ssl.engine(), startedMillis),
        clientCertificate(tlsSession));
    ctx.pipeline().replace(this, "relay", new BackpressureRelay(session, true));
    session.start();
  }

  private void fail(Throwable cause) {
    done = true;
    session.tlsFailed(
        tls.shed(cause)
            ? TerminationState.RESOURCE_LIMIT_DURING_REQUEST
            : TerminationState.CLIENT_ABORTED_DURING_REQUEST,
        tls.failureReason(cause),
        cause);
  }

  /** The verified (or, with {@code request} and no CA, merely presented) client certificate. */
  private static X509Certificate clientCertificate(SSLSession tlsSession) {
    try {
      Certificate[] chain = tlsSession.getPeerCertificates();
      return chain.length > 0 && chain[0] instanceof X509Certificate leaf ? leaf : null;
    } catch (SSLPeerUnverifiedException none) {
      return null;
    }
  }

  /** The handshake needs more bytes: the listener reads only on demand. */
  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    if (!done) {
      ctx.read();
    }
    ctx.fireChannelReadComplete();
  }

  /** Garbage in place of a ClientHello, or a reset during the handshake. */
  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (!done) {
      fail(cause);
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (!done) {
      fail(null);
    }
  }
}
