package io.sluice.proxy.tcp;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.ssl.AbstractSniHandler;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.util.concurrent.Future;
import io.sluice.observe.TerminationState;
import io.sluice.pool.Pool;
import java.util.List;

/**
 * TLS passthrough: reads the server name from the client's ClientHello (Netty's strict parser,
 * without terminating TLS), picks the pool for it, and hands the connection, ClientHello included,
 * to the relay. Anything that is not a TLS ClientHello ends the connection as {@code CR}.
 */
final class ClientHelloRouter extends AbstractSniHandler<Pool> {
  /** Stackless: a flood of garbage must not cost a stack trace each. */
  private static final NotSslRecordException NOT_TLS =
      new NotSslRecordException("not a TLS ClientHello") {
        private static final long serialVersionUID = 1L;

        @Override
        public synchronized Throwable fillInStackTrace() {
          return this;
        }
      };

  private static final int RECORD_HEADER = 5;
  private static final int HANDSHAKE = 22;

  private final TcpSession session;
  private final SniRoutes routes;

  ClientHelloRouter(TcpSession session, SniRoutes routes) {
    this.session = session;
    this.routes = routes;
  }

  /**
   * Holds Netty's parser back until a ClientHello spread over several records has arrived in whole
   * records: Netty 4.2.12 counts the bytes after the first record four too many, so a record that
   * lacks up to four bytes passes for complete. It then reads past what arrived (beyond the buffer:
   * refused as not TLS; within a larger one: routed by stale bytes), depending on where TCP cut the
   * ClientHello. A ClientHello whole in its first record, or bytes that are not one, go to it at
   * once.
   */
  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
    if (!awaitsRecords(in)) {
      super.decode(ctx, in, out);
    }
  }

  private static boolean awaitsRecords(ByteBuf in) {
    int at = in.readerIndex();
    int end = in.writerIndex();
    if (end - at < RECORD_HEADER + 4 || in.getUnsignedByte(at) != HANDSHAKE) {
      return false;
    }
    int helloLength = in.getUnsignedMedium(at + RECORD_HEADER + 1);
    // The first record's content starts with the handshake header: type and length.
    int gathered = -4;
    while (gathered < helloLength) {
      if (end - at < RECORD_HEADER) {
        return true;
      }
      if (in.getUnsignedByte(at) != HANDSHAKE) {
        return false;
      }
      int content = in.getUnsignedShort(at + 3);
      if (end - at < RECORD_HEADER + content) {
        return true;
      }
      gathered += content;
      at += RECORD_HEADER + content;
    }
    return false;
  }

  /** Netty passes non-TLS bytes on with no ClientHello; a passthrough listener refuses them. */
  @Override
  protected Future<Pool> lookup(ChannelHandlerContext ctx, ByteBuf clientHello) throws Exception {
    if (clientHello == null) {
      return ctx.executor().newFailedFuture(NOT_TLS);
    }
    return super.lookup(ctx, clientHello);
  }

  @Override
  protected Future<Pool> lookup(ChannelHandlerContext ctx, String hostname) {
    return ctx.executor().newSucceededFuture(routes.poolFor(hostname));
  }

  @Override
  protected void onLookupComplete(ChannelHandlerContext ctx, String hostname, Future<Pool> future) {
    if (!future.isSuccess()) {
      session.end(TerminationState.CLIENT_ABORTED_DURING_REQUEST, future.cause());
      return;
    }
    session.usePool(future.getNow());
    // The buffered ClientHello flows on to the relay as the first bytes for the server.
    ctx.pipeline().replace(this, "relay", new BackpressureRelay(session, true));
    session.start();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    session.end(TerminationState.CLIENT_ABORTED_DURING_REQUEST, cause);
  }

  /** The client left before a whole ClientHello: {@code CR} now, not {@code cR} at the timeout. */
  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    super.channelInactive(ctx);
    session.end(TerminationState.CLIENT_ABORTED_DURING_REQUEST, null);
  }

  /** The client shut its side before a whole ClientHello (listeners allow half-closure). */
  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
    if (event instanceof ChannelInputShutdownEvent) {
      session.end(TerminationState.CLIENT_ABORTED_DURING_REQUEST, null);
    } else {
      super.userEventTriggered(ctx, event);
    }
  }
}
