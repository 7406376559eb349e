package io.sluice.pool;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.balance.SmoothWeightedRoundRobin;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PoolReconfigureTest {
  private final Server kept = new Server("kept", null, 1, 0, false, false);
  private final Server removed = new Server("removed", null, 1, 0, false, false);
  private final Server added = new Server("added", null, 1, 0, false, false);
  private final Pool pool =
      new Pool(
          "p",
          List.of(kept, removed),
          SmoothWeightedRoundRobin.sharedFactory(),
          Duration.ofSeconds(1),
          10,
          Duration.ofSeconds(1),
          2,
          new RetryBudget(0.2, 10));

  private void reconfigure(List<Server> servers) {
    pool.reconfigure(
        servers,
        SmoothWeightedRoundRobin.sharedFactory(),
        Duration.ofMillis(250),
        5,
        Duration.ofMillis(100),
        Duration.ofMillis(100),
        Duration.ofMillis(100),
        false,
        1,
        0.1,
        3);
  }

  private List<Server> pick(int times) {
    List<Server> picked = new ArrayList<>();
    for (int i = 0; i < times; i++) {
      Server server = pool.acquire(0, null);
      picked.add(server);
      pool.release(server);
    }
    return picked;
  }

  @Test
  void newConnectionsGoToTheNewServersAndTheRemovedOneDrainsUntilItsLastConnectionEnds() {
    Server open = pool.acquire(0, null);
    Server other = pool.acquire(0, null);
    assertThat(List.of(open, other)).containsExactlyInAnyOrder(kept, removed);
    pool.release(kept);

    reconfigure(List.of(kept, added));

    assertThat(pick(10)).containsOnly(kept, added);
    assertThat(pool.servers()).containsExactly(kept, added);
    assertThat(removed.state()).isEqualTo(ServerState.DRAIN);
    assertThat(pool.leavingServers()).containsExactly(removed);
    pool.release(removed);
    assertThat(pool.leavingServers()).isEmpty();
  }

  @Test
  void aKeptServerKeepsItsCountersAndTheNewSettingsApply() {
    pick(4);
    long before = kept.totalConnections();

    reconfigure(List.of(kept, added));

    assertThat(kept.totalConnections()).isEqualTo(before).isPositive();
    assertThat(pool.connectTimeout()).isEqualTo(Duration.ofMillis(250));
    assertThat(pool.queueTimeout()).isEqualTo(Duration.ofMillis(100));
    assertThat(pool.queue().max()).isEqualTo(5);
    assertThat(pool.retryAttempts()).isEqualTo(1);
    assertThat(pool.retryBudget().ratio()).isEqualTo(0.1);
  }

  @Test
  void aDrainingServerListedAgainRejoins() {
    Server open = null;
    for (int i = 0; i < 2 && open != removed; i++) {
      open = pool.acquire(0, null);
    }
    reconfigure(List.of(kept));
    assertThat(pool.leavingServers()).containsExactly(removed);

    reconfigure(List.of(kept, removed));

    assertThat(removed.state()).isEqualTo(ServerState.UP);
    assertThat(pool.leavingServers()).isEmpty();
    assertThat(pick(10)).contains(removed);
  }
}
