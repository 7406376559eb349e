package io.sluice.balance;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Weighted least connections: the server with room whose {@code (active + 1) / weight} is lowest,
 * the connection it would hold after this pick counted, as HAProxy's {@code leastconn} does. In a
 * fleet ({@code scope: cluster}) {@code active} includes the other instances' connections.
 *
 * <p>Ties are broken by scanning from a random starting index, so that event loops picking at the
 * same moment from equal servers spread out instead of herding onto the first. A linear scan: for
 * the pool sizes Sluice is built for (up to a few hundred servers) it beats a tree, whose updates
 * would be shared writes across event loops (see the JMH benchmark in bench/).
 */
public final class LeastConnections implements Balancer {
  @Override
  public int pick(ServerView view, long hash, int avoid) {
    int best = scan(view, avoid);
    return best == NONE && avoid != NONE && view.hasRoom(avoid) ? avoid : best;
  }

  private static int scan(ServerView view, int avoid) {
    int size = view.size();
    if (size == 0) {
      return NONE;
    }
    int start = size == 1 ? 0 : ThreadLocalRandom.current().nextInt(size);
    int best = NONE;
    long bestLoad = 0;
    int bestWeight = 1;
    for (int n = 0; n < size; n++) {
      int i = start + n < size ? start + n : start + n - size;
      if (i == avoid || !view.hasRoom(i)) {
        continue;
      }
      long load = view.active(i) + (long) view.remoteActive(i) + 1L;
      int weight = view.weight(i);
      // load / weight < bestLoad / bestWeight, without division.
      if (best == NONE || load * bestWeight < bestLoad * weight) {
        best = i;
        bestLoad = load;
        bestWeight = weight;
      }
    }
    return best;
  }
}
