package io.sluice.balance;

import java.util.Arrays;

/**
 * Consistent hashing with bounded loads (Mirrokni, Thorup and Zadimoghaddam, 2016): a client's hash
 * picks the next server clockwise on a ring of virtual nodes, as plain consistent hashing does, but
 * a server already above {@code factor} times its weighted share of the pool's connections is
 * passed over for the next one on the ring. A few heavy clients can then no longer load one server
 * at twice the average, which is what plain source hashing did to a git front, while most clients
 * keep their server.
 *
 * <p>The ring is immutable and shared by every event loop's instance; a pick allocates nothing.
 */
public final class BoundedLoadConsistentHash implements Balancer {
  /** Virtual nodes per unit of weight: enough for a spread within a few percent at 3 servers. */
  static final int POINTS_PER_WEIGHT = 160;

  private final long[] points;
  private final int[] owners;
  private final double factor;

  private BoundedLoadConsistentHash(long[] points, int[] owners, double factor) {
    this.points = points;
    this.owners = owners;
    this.factor = factor;
  }

  /**
   * A factory whose balancers share one ring built from the servers' keys and weights.
   *
   * @param factor how far above its fair share a server may go before clients spill over, above 1
   */
  public static BalancerFactory factory(double factor) {
    return view -> build(view, factor);
  }

  static BoundedLoadConsistentHash build(ServerView view, double factor) {
    int total = 0;
    for (int i = 0; i < view.size(); i++) {
      total += view.weight(i) * POINTS_PER_WEIGHT;
    }
    long[] ring = new long[total];
    int n = 0;
    for (int i = 0; i < view.size(); i++) {
      for (int r = 0; r < view.weight(i) * POINTS_PER_WEIGHT; r++) {
        // Point value in the high bits, owner in the low 16: sorting keeps owners with points.
        ring[n++] = (mix(view.key(i) * 31 + r) & ~0xFFFFL) | i;
      }
    }
    Arrays.sort(ring);
    long[] points = new long[total];
    int[] owners = new int[total];
    for (int k = 0; k < total; k++) {
      points[k] = ring[k] & ~0xFFFFL;
      owners[k] = (int) (ring[k] & 0xFFFF);
    }
    return new BoundedLoadConsistentHash(points, owners, factor);
  }

  @Override
  public int pick(ServerView view, long hash, int avoid) {
    if (points.length == 0) {
      return NONE;
    }
    long totalActive = 0;
    long totalWeight = 0;
    for (int i = 0; i < view.size(); i++) {
      totalActive += view.active(i);
      totalWeight += view.weight(i);
    }
    int start = Arrays.binarySearch(points, mix(hash) & ~0xFFFFL);
    if (start < 0) {
      start = -start - 1;
    }
    int fallback = NONE;
    for (int step = 0; step < points.length; step++) {
      int k = start + step;
      int server = owners[k >= points.length ? k - points.length : k];
      if (server == avoid || !view.hasRoom(server)) {
        continue;
      }
      if (fallback == NONE) {
        fallback = server;
      }
      double bound = Math.ceil(factor * (totalActive + 1) * view.weight(server) / totalWeight);
      if (view.active(server) + 1 <= bound) {
        return server;
      }
    }
    if (fallback != NONE) {
      return fallback;
    }
    return avoid != NONE && view.hasRoom(avoid) ? avoid : NONE;
  }

  /** Murmur3's 64-bit finaliser: spreads nearby inputs over the whole ring. */
  static long mix(long value) {
    long h = value;
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb9fe1a85ec53L;
    h ^= h >>> 33;
    return h;
  }
}
