package io.sluice.balance;

/**
 * Chooses a server for a new connection among those with room. Implementations are created per
 * event loop (see {@link BalancerFactory}), so {@link #pick} runs on one thread, takes no lock,
 * allocates nothing and throws nothing.
 */
public interface Balancer {
  /** Returned by {@link #pick} when no server has room. */
  int NONE = -1;

  /**
   * @param view the pool's servers
   * @param hash the client's hash for sticky algorithms; ignored by the others
   * @param avoid a server index not to choose unless it is the only one with room (the one that
   *     just failed), or {@link #NONE}
   * @return the chosen server's index, or {@link #NONE}
   */
  int pick(ServerView view, long hash, int avoid);
}
