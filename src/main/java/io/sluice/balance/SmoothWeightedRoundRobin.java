package io.sluice.balance;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Weighted round robin that interleaves servers rather than sending a burst to the heaviest
 * (nginx's smooth algorithm): each pick adds every eligible server's current weight to its score,
 * takes the highest score and subtracts the total from it. Weights {5, 1, 1} yield a a b a c a a,
 * not a a a a a b c. Weights are read at every pick, so slow start and weight changes apply at
 * once.
 *
 * <p>One instance is shared by every event loop of a pool, so consecutive connections go to
 * consecutive servers whichever loop accepted them. The scores are guarded by a lock taken only
 * with {@code tryLock}: an event loop never waits, and in the rare moment two loops pick at once
 * the loser takes the next server with room after a shared cursor instead.
 */
public final class SmoothWeightedRoundRobin implements Balancer {
  private final int[] score;
  private final ReentrantLock lock = new ReentrantLock();
  private final AtomicInteger cursor = new AtomicInteger();

  public SmoothWeightedRoundRobin(ServerView view) {
    this.score = new int[view.size()];
  }

  /** A factory handing every event loop the same instance, built on first use. */
  public static BalancerFactory sharedFactory() {
    return new BalancerFactory() {
      private SmoothWeightedRoundRobin shared;

      @Override
      public synchronized Balancer create(ServerView view) {
        if (shared == null) {
          shared = new SmoothWeightedRoundRobin(view);
        }
        return shared;
      }
    };
  }

  @Override
  public int pick(ServerView view, long hash, int avoid) {
    if (!lock.tryLock()) {
      return nextWithRoom(view, avoid);
    }
    try {
      return smooth(view, avoid);
    } finally {
      lock.unlock();
    }
  }

  private int smooth(ServerView view, int avoid) {
    int size = Math.min(view.size(), score.length);
    int best = NONE;
    for (int pass = 0; pass < 2 && best == NONE; pass++) {
      boolean allowAvoided = pass == 1;
      int total = 0;
      for (int i = 0; i < size; i++) {
        if (!view.hasRoom(i) || (i == avoid && !allowAvoided)) {
          continue;
        }
        int weight = view.weight(i);
        score[i] += weight;
        total += weight;
        if (best == NONE || score[i] > score[best]) {
          best = i;
        }
      }
      if (best != NONE) {
        score[best] -= total;
      }
    }
    return best;
  }

  private int nextWithRoom(ServerView view, int avoid) {
    int size = view.size();
    int fallback = NONE;
    for (int probe = 0; probe < size; probe++) {
      int i = Math.floorMod(cursor.getAndIncrement(), size);
      if (view.hasRoom(i)) {
        if (i != avoid) {
          return i;
        }
        fallback = i;
      }
    }
    return fallback;
  }
}
