package io.sluice.proxy.http;

import io.netty.channel.Channel;

/**
 * Drains an HTTP client connection when the process stops or hands over: HTTP/2 connections get
 * GOAWAY and close once their open streams are done (Netty's graceful shutdown); HTTP/1.1
 * connections close after the response in progress, or at once when idle. Other connections are
 * left alone.
 */
public final class HttpDrain {
  /** The user event an HTTP/1.1 frontend reacts to. */
  static final Object EVENT = new Object();

  private HttpDrain() {}

  public static void drain(Channel client) {
    client
        .eventLoop()
        .execute(
            () -> {
              if (client.pipeline().get("h2") != null) {
                client.close();
              } else if (client.pipeline().get(HttpFrontend.class) != null) {
                client.pipeline().fireUserEventTriggered(EVENT);
              }
            });
  }
}
