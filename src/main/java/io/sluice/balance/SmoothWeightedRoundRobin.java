package io.sluice.balance;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Weighted round robin that interleaves servers rather than sending a burst to the heaviest
 * (nginx's smooth algorithm): weights {5, 1, 1} yield a a b a c a a, not a a a a a b c.
 *
 * <p>The order is computed once, at construction, with nginx's rule (each step adds every server's
 * weight to its score, takes the highest score and subtracts the total from it), and one instance
 * is shared by every event loop of a pool: a pick is one atomic increment of a shared cursor, so
 * consecutive connections go to consecutive servers whichever loop accepted them. A server without
 * room is passed over for the next in the order.
 */
public final class SmoothWeightedRoundRobin implements Balancer {
  private final int[] order;
  private final AtomicLong cursor = new AtomicLong();

  public SmoothWeightedRoundRobin(ServerView view) {
    this.order = smoothOrder(view);
  }

  /** A factory handing every event loop the same instance, built on first use. */
  public static BalancerFactory sharedFactory() {
    return new BalancerFactory() {
      private volatile SmoothWeightedRoundRobin shared;

      @Override
      public synchronized Balancer create(ServerView view) {
        if (shared == null) {
          shared = new SmoothWeightedRoundRobin(view);
        }
        return shared;
      }
    };
  }

  private static int[] smoothOrder(ServerView view) {
    int size = view.size();
    int total = 0;
    for (int i = 0; i < size; i++) {
      total += view.weight(i);
    }
    int[] order = new int[total];
    int[] score = new int[size];
    for (int step = 0; step < total; step++) {
      int best = 0;
      for (int i = 0; i < size; i++) {
        score[i] += view.weight(i);
        if (score[i] > score[best]) {
          best = i;
        }
      }
      score[best] -= total;
      order[step] = best;
    }
    return order;
  }

  @Override
  public int pick(ServerView view, long hash, int avoid) {
    int length = order.length;
    int fallback = NONE;
    for (int probe = 0; probe < length; probe++) {
      int server = order[(int) Math.floorMod(cursor.getAndIncrement(), (long) length)];
      if (server >= view.size() || !view.hasRoom(server)) {
        continue;
      }
      if (server != avoid) {
        return server;
      }
      fallback = server;
    }
    return fallback;
  }
}
