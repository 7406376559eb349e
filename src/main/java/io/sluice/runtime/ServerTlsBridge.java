package io.sluice.runtime;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslHandler;
import io.sluice.health.CheckTls;
import io.sluice.proxy.tcp.ServerTls;
import io.sluice.tls.UpstreamTls;
import java.time.Duration;

/** A pool's {@link UpstreamTls} as the L4 relay and the health checks ask for it. */
final class ServerTlsBridge implements ServerTls, CheckTls {
  private final UpstreamTls tls;

  ServerTlsBridge(UpstreamTls tls) {
    this.tls = tls;
  }

  @Override
  public SslHandler newHandler(
      ByteBufAllocator alloc, String host, int port, Duration handshakeTimeout) {
    return tls.newHandler(alloc, host, port, handshakeTimeout);
  }

  @Override
  public String failureReason(Throwable cause) {
    return UpstreamTls.failureReason(cause);
  }

  @Override
  public void handshakeFailed(String server, String reason, Throwable cause) {
    tls.logFailure(server, reason, cause);
  }

  /** Releases the context; handshakes already made keep their own reference. */
  void close() {
    tls.close();
  }
}
