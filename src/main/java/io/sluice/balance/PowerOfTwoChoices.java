package io.sluice.balance;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Power of two random choices: two distinct servers drawn at random, the less loaded (by {@code
 * (active + 1) / weight}) wins. Nearly as even as least connections, with no scan and no herd even
 * when every event loop picks at once (Mitzenmacher, "The Power of Two Choices in Randomized Load
 * Balancing"). When draws keep landing on full servers it falls back to a full scan.
 */
public final class PowerOfTwoChoices implements Balancer {
  private static final int DRAWS = 4;

  private final LeastConnections fallback = new LeastConnections();

  @Override
  public int pick(ServerView view, long hash, int avoid) {
    int size = view.size();
    if (size <= 2) {
      return fallback.pick(view, hash, avoid);
    }
    ThreadLocalRandom random = ThreadLocalRandom.current();
    int first = NONE;
    for (int draw = 0; draw < DRAWS; draw++) {
      int i = random.nextInt(size);
      if (i == avoid || i == first || !view.hasRoom(i)) {
        continue;
      }
      if (first == NONE) {
        first = i;
        continue;
      }
      return lessLoaded(view, first, i);
    }
    return first != NONE ? first : fallback.pick(view, hash, avoid);
  }

  private static int lessLoaded(ServerView view, int a, int b) {
    long loadA = view.active(a) + (long) view.remoteActive(a) + 1L;
    long loadB = view.active(b) + (long) view.remoteActive(b) + 1L;
    return loadA * view.weight(b) <= loadB * view.weight(a) ? a : b;
  }
}
