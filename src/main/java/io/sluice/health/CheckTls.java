package io.sluice.health;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslHandler;
import java.time.Duration;

/**
 * A pool's own TLS settings towards its servers, for its {@code tls} checks: the check's handshake
 * then verifies and presents certificates exactly as traffic does. The runtime implements it over
 * the TLS package, which this package does not know (DESIGN §3).
 */
public interface CheckTls {
  /** A client-side handler for a connection to {@code host:port} (null and -1: a unix socket). */
  SslHandler newHandler(ByteBufAllocator alloc, String host, int port, Duration handshakeTimeout);
}
