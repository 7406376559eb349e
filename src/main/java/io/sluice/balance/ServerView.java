package io.sluice.balance;

/**
 * What a balancer may know of a pool's servers: indexes, weights and whether each has room. Kept
 * free of any server type so that algorithms stay plain logic, testable without a network.
 */
public interface ServerView {
  /** Number of servers, indexed from 0. */
  int size();

  /** Relative share of new connections, at least 1. */
  int weight(int server);

  /** Whether the server may take one more connection now: up, not draining, below its limit. */
  boolean hasRoom(int server);

  /** Connections the server holds now. */
  int active(int server);

  /**
   * Connections other instances of a fleet hold to the server, from their latest published figures:
   * 0 outside fleet mode. Load-counting algorithms add it to {@link #active}; it is a plain read,
   * never a call to another process.
   */
  default int remoteActive(int server) {
    return 0;
  }

  /**
   * A stable identity of the server (a hash of its configured address), so that sticky algorithms
   * keep their mapping when other servers come and go.
   */
  long key(int server);

  /** Expected latency of the server in nanoseconds, 0 when not measured yet. */
  long latencyNanos(int server);
}
