package io.sluice.pool;

/** What became of a connection that found no server with room at once. */
public enum Assignment {
  /** Waiting in the pool's queue; a freed slot will be offered. */
  QUEUED,
  /** The queue is at its maximum: refuse at once. */
  FULL,
  /** No server is up at all: queueing would only delay the failure. */
  NO_SERVER
}
