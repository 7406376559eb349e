package io.sluice.pool;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.balance.SmoothWeightedRoundRobin;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PoolTest {
  private static Pool pool(int servers) {
    List<Server> list = new ArrayList<>();
    for (int i = 0; i < servers; i++) {
      list.add(new Server("s" + i, null, 1, 0, false, false));
    }
    return new Pool(
        "p",
        list,
        SmoothWeightedRoundRobin.sharedFactory(),
        Duration.ofSeconds(1),
        0,
        Duration.ofSeconds(1),
        3,
        new RetryBudget(1, 10));
  }

  @Test
  void aRetryNeverReturnsToAServerThisConnectionAlreadyFailedOnWhileAnotherHasRoom() {
    Pool pool = pool(4);
    Server first = pool.servers().get(0);
    Server second = pool.servers().get(1);
    long tried = pool.bitOf(first) | pool.bitOf(second);
    for (int i = 0; i < 100; i++) {
      Server chosen = pool.acquire(0, second, tried);
      assertThat(chosen).isNotIn(first, second);
      pool.release(chosen);
    }
  }

  @Test
  void aRetryFallsBackToATriedServerWhenItIsTheOnlyOneWithRoom() {
    Pool pool = pool(2);
    Server first = pool.servers().get(0);
    Server second = pool.servers().get(1);
    second.adminState(ServerState.MAINT);
    assertThat(pool.acquire(0, first, pool.bitOf(first))).isSameAs(first);
  }
}
