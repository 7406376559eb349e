package io.sluice.proxy.tcp;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslHandler;
import java.time.Duration;

/**
 * TLS towards a pool's servers as the L4 relay sees it: a handler per server connection, and how to
 * report a failed handshake. The runtime implements it over the TLS package, which this package
 * does not know (DESIGN §3).
 */
public interface ServerTls {
  /**
   * A client-side handler for a new connection to {@code host:port} (a null host and port -1 for a
   * unix socket), failing its handshake after {@code handshakeTimeout}.
   */
  SslHandler newHandler(ByteBufAllocator alloc, String host, int port, Duration handshakeTimeout);

  /** The TLS alert or error behind a failed handshake, short, for the log line. */
  String failureReason(Throwable cause);

  /** Tells the operator a handshake with {@code server} failed (rate-limited by the callee). */
  void handshakeFailed(String server, String reason, Throwable cause);
}
