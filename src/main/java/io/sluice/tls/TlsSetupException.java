package io.sluice.tls;

/**
 * A listener's TLS cannot be set up: a file that does not parse, an encrypted key, a key that does
 * not match its certificate, a TLS engine that does not load. The message names the file and says
 * what to do; it is meant for the operator, as is.
 */
public final class TlsSetupException extends Exception {
  public TlsSetupException(String message) {
    super(message);
  }

  public TlsSetupException(String message, Throwable cause) {
    super(message, cause);
  }
}
