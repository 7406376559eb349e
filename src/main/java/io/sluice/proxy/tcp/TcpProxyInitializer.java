package io.sluice.proxy.tcp;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.group.ChannelGroup;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.util.AttributeKey;
import io.sluice.net.ProxyV2TlvCheck;
import io.sluice.observe.TerminationState;

/**
 * What an accepted TCP connection goes through, in order:
 *
 * <ol>
 *   <li>nothing at all while the process's buffer memory is spent: the connection is closed at once
 *       ({@code RR});
 *   <li>{@link ProxyV2TlvCheck}, {@link HAProxyMessageDecoder} and {@link ProxyHeaderReader}, when
 *       the listener accepts the PROXY protocol: the header's client address replaces the socket's;
 *   <li>on TLS listeners, the handshake ({@link ClientTls#newHandshakeHandler()}: SNI, then TLS)
 *       and {@link TlsHandshakeReader}, which waits for it to succeed;
 *   <li>{@link TcpSession#start()}: a server is chosen and connected on this same event loop;
 *   <li>{@link BackpressureRelay} on both sides once connected: bytes flow both ways, reading
 *       pauses while the other side's write buffer is full;
 *   <li>on plain listeners that splice, once a connection has relayed {@link
 *       TcpSession#SPLICE_AFTER_BYTES}: {@link SpliceRelay}, which takes both sockets off the
 *       pipeline's event handling and moves their bytes with splice(2) to the end.
 * </ol>
 */
@Sharable
public final class TcpProxyInitializer extends ChannelInitializer<Channel> {
  static final AttributeKey<TcpSession> SESSION = AttributeKey.valueOf("sluice.tcp");

  private final TcpListenerContext context;

  public TcpProxyInitializer(TcpListenerContext context) {
    this.context = context;
  }

  /**
   * Ends every session still open among {@code clients} as killed ({@code KD}): the last step of a
   * stop whose drain time ran out.
   */
  public static void killAll(ChannelGroup clients) {
    for (Channel client : clients) {
      TcpSession session = client.attr(SESSION).get();
      if (session != null) {
        client.eventLoop().execute(session::kill);
      } else {
        client.close();
      }
    }
  }

  @Override
  protected void initChannel(Channel client) {
    context.connections().add(client);
    context.transport().configureRelaySocket(client);
    TcpSession session = new TcpSession(context, client);
    if (!context.memory().admitsNewWork()) {
      // Closed before anything is read or any server is chosen: the refusal costs no buffer.
      context.memory().refused();
      session.end(TerminationState.RESOURCE_LIMIT_DURING_REQUEST, null);
      return;
    }
    client.attr(SESSION).set(session);
    ChannelPipeline pipeline = client.pipeline();
    if (context.acceptProxy()) {
      pipeline.addLast(
          new ProxyV2TlvCheck(), new HAProxyMessageDecoder(), new ProxyHeaderReader(session));
      session.awaitProxyHeader();
    } else {
      afterPreamble(pipeline, session);
    }
  }

  /**
   * What follows the PROXY header (or the accept, without one), at the end of the pipeline: the TLS
   * handshake, or the relay at once.
   */
  static void afterPreamble(ChannelPipeline pipeline, TcpSession session) {
    ClientTls tls = session.context().tls();
    SniRoutes routes = session.context().sniRoutes();
    if (routes != null) {
      pipeline.addLast("sni", new ClientHelloRouter(session, routes));
      session.awaitClientHello();
    } else if (tls != null) {
      pipeline.addLast("tls", tls.newHandshakeHandler());
      pipeline.addLast("tls-wait", new TlsHandshakeReader(session, tls));
      session.awaitTlsHandshake();
    } else {
      pipeline.addLast("relay", new BackpressureRelay(session, true));
      session.start();
    }
  }
}
