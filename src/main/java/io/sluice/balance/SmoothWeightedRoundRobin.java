package io.sluice.balance;

/**
 * Weighted round robin that interleaves servers rather than sending a burst to the heaviest
 * (nginx's smooth algorithm): each pick adds every eligible server's weight to its running score,
 * takes the highest score, and subtracts the total weight from the winner. Weights {5, 1, 1} yield
 * a a b a c a a, not a a a a a b c.
 *
 * <p>Owned by one event loop; no field is shared.
 */
public final class SmoothWeightedRoundRobin implements Balancer {
  private final int[] current;

  public SmoothWeightedRoundRobin(ServerView view) {
    this.current = new int[view.size()];
  }

  @Override
  public int pick(ServerView view, long hash, int avoid) {
    int size = Math.min(view.size(), current.length);
    int best = NONE;
    int total = 0;
    for (int pass = 0; pass < 2 && best == NONE; pass++) {
      boolean allowAvoided = pass == 1;
      for (int i = 0; i < size; i++) {
        if (!view.hasRoom(i) || (i == avoid && !allowAvoided)) {
          continue;
        }
        int weight = view.weight(i);
        current[i] += weight;
        total += weight;
        if (best == NONE || current[i] > current[best]) {
          best = i;
        }
      }
    }
    if (best != NONE) {
      current[best] -= total;
    }
    return best;
  }
}
