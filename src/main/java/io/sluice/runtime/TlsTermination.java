package io.sluice.runtime;

import io.netty.channel.ChannelHandler;
import io.sluice.proxy.tcp.ClientTls;
import io.sluice.tls.TlsTerminator;
import java.time.Duration;
import javax.net.ssl.SSLEngine;

/** A listener's {@link TlsTerminator} as the L4 relay asks for it. */
final class TlsTermination implements ClientTls {
  private final TlsTerminator terminator;

  TlsTermination(TlsTerminator terminator) {
    this.terminator = terminator;
  }

  @Override
  public ChannelHandler newHandshakeHandler() {
    return terminator.newHandshakeHandler();
  }

  @Override
  public Duration handshakeTimeout() {
    return terminator.handshakeTimeout();
  }

  @Override
  public boolean resumed(SSLEngine engine, long handshakeStartedMillis) {
    return TlsTerminator.resumed(engine, handshakeStartedMillis);
  }

  @Override
  public boolean shed(Throwable cause) {
    return TlsTerminator.isShed(cause);
  }

  @Override
  public String failureReason(Throwable cause) {
    return TlsTerminator.failureReason(cause);
  }
}
