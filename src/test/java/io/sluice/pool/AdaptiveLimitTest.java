package io.sluice.pool;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class AdaptiveLimitTest {
  private static final long MS = 1_000_000;

  /** Round trips of a server with {@code workers} workers at 10 ms, at {@code limit} in flight. */
  private static long roundTrip(int workers, int limit) {
    return 10 * MS * Math.max(1, (limit + workers - 1) / workers);
  }

  private static int settle(AdaptiveLimit limit, int workers, int samples) {
    for (int i = 0; i < samples; i++) {
      int now = limit.limit();
      limit.sample(roundTrip(workers, now), now);
    }
    return limit.limit();
  }

  @Test
  void settlesNearTheWorkerCountOfAServerWhoseLatencyRisesWithConcurrency() {
    AdaptiveLimit limit = new AdaptiveLimit(1, 1000, 20);
    limit.sample(10 * MS, 1);
    assertThat(settle(limit, 16, 2_000)).isBetween(16, 48);
    assertThat(settle(limit, 4, 2_000)).isBetween(4, 16);
  }

  @Test
  void growsWhileLatencyStaysAtTheNoLoadLatency() {
    AdaptiveLimit limit = new AdaptiveLimit(1, 1000, 10);
    for (int i = 0; i < 200; i++) {
      limit.sample(10 * MS, limit.limit());
    }
    assertThat(limit.limit()).isGreaterThan(100);
  }

  @Test
  void doesNotGrowOnSamplesTakenWellBelowTheLimit() {
    AdaptiveLimit limit = new AdaptiveLimit(1, 1000, 40);
    for (int i = 0; i < 200; i++) {
      limit.sample(10 * MS, 3);
    }
    assertThat(limit.limit()).isEqualTo(40);
  }

  @Test
  void neverLeavesItsBounds() {
    AdaptiveLimit limit = new AdaptiveLimit(5, 30, 20);
    limit.sample(MS, 20);
    for (int i = 0; i < 500; i++) {
      limit.sample(500 * MS, limit.limit());
    }
    assertThat(limit.limit()).isEqualTo(5);
    limit.set(1);
    assertThat(limit.limit()).isEqualTo(5);
    limit.set(100);
    assertThat(limit.limit()).isEqualTo(30);
  }

  @Test
  void aServerCapsItsLimitByPushBack() {
    Server server = new Server("s", null, 1, 0, false, false);
    server.adaptive(new AdaptiveLimit(2, 50, 20));
    assertThat(server.maxConnections()).isEqualTo(20);
    server.cap(5);
    assertThat(server.maxConnections()).isEqualTo(5);
    server.cap(0);
    server.capacity(8);
    assertThat(server.maxConnections()).isEqualTo(8);

    Server fixed = new Server("f", null, 1, 10, false, false);
    fixed.capacity(3);
    assertThat(fixed.maxConnections()).isEqualTo(3);
    fixed.capacity(40);
    assertThat(fixed.maxConnections()).isEqualTo(10);
  }

  @Test
  void aSlotFreedAboveALimitThatShrankGoesBackToTheServerNotToTheQueue() {
    Server server = new Server("s", null, 1, 4, false, false);
    Pool pool =
        new Pool(
            "p",
            java.util.List.of(server),
            io.sluice.balance.SmoothWeightedRoundRobin.sharedFactory(),
            java.time.Duration.ofSeconds(1),
            10,
            java.time.Duration.ofSeconds(1),
            0,
            new RetryBudget(0.2, 10));
    for (int i = 0; i < 4; i++) {
      assertThat(pool.acquire(0, null)).isSameAs(server);
    }
    java.util.List<Server> offered = new java.util.ArrayList<>();
    assertThat(pool.enqueue(slot -> offered.add(slot))).isEqualTo(Assignment.QUEUED);
    server.cap(2);
    pool.release(server);
    pool.release(server);
    assertThat(offered).isEmpty();
    assertThat(server.active()).isEqualTo(2);
    pool.release(server);
    assertThat(offered).containsExactly(server);
    assertThat(server.active()).isEqualTo(2);
  }
}
