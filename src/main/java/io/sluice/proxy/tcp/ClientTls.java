package io.sluice.proxy.tcp;

import io.netty.channel.ChannelHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import java.security.cert.X509Certificate;
import java.time.Duration;
import javax.net.ssl.SSLEngine;

/**
 * TLS termination as the L4 relay sees it: a handler that takes a client through its handshake, and
 * how to read the outcome. The runtime implements it over the TLS package, which this package does
 * not know (DESIGN §3).
 */
public interface ClientTls {
  /**
   * A new client's handshake handler, placed after any PROXY header handling. It fires one {@link
   * SslHandshakeCompletionEvent}; the decrypted bytes follow it down the pipeline.
   */
  ChannelHandler newHandshakeHandler();

  /** A handshake not finished this long after it began ends the connection as {@code cR}. */
  Duration handshakeTimeout();

  /** Whether the finished handshake on {@code engine} resumed a session. */
  boolean resumed(SSLEngine engine, long handshakeStartedMillis);

  /** Whether a handshake failed because Sluice shed it ({@code RR}), not because of the client. */
  boolean shed(Throwable cause);

  /** The TLS alert or error behind a failed handshake, short, for the log line. */
  String failureReason(Throwable cause);

  /**
   * What a PROXY v2 header tells a server of the finished handshake on {@code engine}.
   *
   * @param certificate the client's certificate, or {@code null}
   */
  ClientTlsFacts facts(SSLEngine engine, boolean resumed, X509Certificate certificate);
}
