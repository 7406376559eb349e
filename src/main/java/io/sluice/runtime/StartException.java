package io.sluice.runtime;

/** Sluice could not start as configured; the message says what and where. */
public final class StartException extends Exception {
  private static final long serialVersionUID = 1L;

  public StartException(String message, Throwable cause) {
    super(message, cause);
  }
}
