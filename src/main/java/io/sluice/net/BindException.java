package io.sluice.net;

import java.net.SocketAddress;

/** A listener could not bind one of its addresses; the message names both. */
public final class BindException extends Exception {
  private static final long serialVersionUID = 1L;

  public BindException(String listener, SocketAddress address, Throwable cause) {
    super(
        "listener '"
            + listener
            + "' cannot bind "
            + SocketAddresses.format(address)
            + ": "
            + (cause == null ? "unknown error" : cause.getMessage()),
        cause);
  }
}
