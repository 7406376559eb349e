package io.sluice.proxy.tcp;

/**
 * Whether a relayed connection is making progress: idle means no byte read either way and no byte
 * of a queued write taken by the kernel, so a slow reader that keeps draining is never idle.
 * Sampled by a timer a few times per idle timeout, never on the relay path.
 *
 * <p>Owned by the session's event loop.
 */
final class IdleProgress {
  private long idleSinceNanos;
  private long seenFromClient = -1;
  private long seenToClient;
  private long seenPendingToClient;
  private long seenPendingToBackend;

  /**
   * Records a sample of the session's counters.
   *
   * @return how long, in nanoseconds, nothing has moved (0 when something moved since the last
   *     sample)
   */
  long idleNanos(
      long now, long fromClient, long toClient, long pendingToClient, long pendingToBackend) {
    if (fromClient != seenFromClient
        || toClient != seenToClient
        || pendingToClient != seenPendingToClient
        || pendingToBackend != seenPendingToBackend) {
      seenFromClient = fromClient;
      seenToClient = toClient;
      seenPendingToClient = pendingToClient;
      seenPendingToBackend = pendingToBackend;
      idleSinceNanos = now;
      return 0;
    }
    return now - idleSinceNanos;
  }
}
