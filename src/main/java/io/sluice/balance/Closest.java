package io.sluice.balance;

import java.util.concurrent.ThreadLocalRandom;

/**
 * The server with room and the lowest expected latency, as measured (connect times and check round
 * trips, averaged), scaled by its load: {@code latency × (active + 1) / weight}. Servers not
 * measured yet go first, so every server gets measured. Measuring beats guessing: an edge that
 * routed by estimated coordinates sent one city's traffic to the wrong continent.
 *
 * <p>Ties are broken from a random start, like {@link LeastConnections}.
 */
public final class Closest implements Balancer {
  @Override
  public int pick(ServerView view, long hash, int avoid) {
    int size = view.size();
    if (size == 0) {
      return NONE;
    }
    int start = size == 1 ? 0 : ThreadLocalRandom.current().nextInt(size);
    int best = NONE;
    double bestCost = 0;
    for (int n = 0; n < size; n++) {
      int i = start + n < size ? start + n : start + n - size;
      if (i == avoid || !view.hasRoom(i)) {
        continue;
      }
      long latency = view.latencyNanos(i);
      double cost = latency == 0 ? -1 : (double) latency * (view.active(i) + 1) / view.weight(i);
      if (best == NONE || cost < bestCost) {
        best = i;
        bestCost = cost;
      }
    }
    return best == NONE && avoid != NONE && avoid < size && view.hasRoom(avoid) ? avoid : best;
  }
}
