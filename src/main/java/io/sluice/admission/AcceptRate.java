package io.sluice.admission;

/**
 * A listener's limit on new connections per second, as the accept path spends it: a take per
 * accepted connection, and how long to hold the backlog before the next one.
 *
 * <p>Implementations are called on event loops: a take and a query are a few atomic operations,
 * never a wait or a call to another process.
 */
public interface AcceptRate {
  /** Counts one accepted connection, going into debt if the limit is spent. */
  void take();

  /** How long until the next connection may be accepted; zero or less when one may now. */
  long nanosUntilAvailable();

  /** The configured limit, connections per second. */
  double perSecond();
}
