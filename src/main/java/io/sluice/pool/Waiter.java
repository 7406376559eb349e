package io.sluice.pool;

/**
 * A connection waiting in a pool's queue for a server slot. The pool knows nothing of event loops:
 * the waiter's implementation carries the slot over to its own thread.
 */
public interface Waiter {
  /**
   * Offers a slot already taken on {@code server}. Called by whichever thread freed it (any event
   * loop); must not block.
   *
   * @return {@code true} if the waiter took the slot; {@code false} if it is no longer waiting (it
   *     timed out or its client left), and the pool passes the slot on
   */
  boolean offer(Server server);
}
