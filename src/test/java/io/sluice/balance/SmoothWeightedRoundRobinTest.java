package io.sluice.balance;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SmoothWeightedRoundRobinTest {
  private static List<Integer> picks(Balancer balancer, ServerTable view, int count) {
    List<Integer> picks = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      picks.add(balancer.pick(view, 0, Balancer.NONE));
    }
    return picks;
  }

  @Test
  void takesEqualServersInTurn() {
    assertThat(picks(new SmoothWeightedRoundRobin(ServerTable.equal(3)), ServerTable.equal(3), 6))
        .containsExactly(0, 1, 2, 0, 1, 2);
  }

  @Test
  void interleavesAHeavyServerInsteadOfSendingItABurst() {
    ServerTable servers = ServerTable.weights(5, 1, 1);
    assertThat(picks(new SmoothWeightedRoundRobin(servers), servers, 7))
        .containsExactly(0, 0, 1, 0, 2, 0, 0);
  }

  @Test
  void honoursWeightsOverManyPicks() {
    ServerTable servers = ServerTable.weights(3, 2, 1);
    List<Integer> picks = picks(new SmoothWeightedRoundRobin(servers), servers, 600);
    assertThat(picks.stream().filter(i -> i == 0).count()).isEqualTo(300);
    assertThat(picks.stream().filter(i -> i == 1).count()).isEqualTo(200);
    assertThat(picks.stream().filter(i -> i == 2).count()).isEqualTo(100);
  }

  @Test
  void skipsServersWithoutRoom() {
    ServerTable view = ServerTable.equal(3);
    view.room[1] = false;
    assertThat(picks(new SmoothWeightedRoundRobin(ServerTable.equal(3)), view, 4))
        .containsExactly(0, 2, 0, 2);
  }

  @Test
  void answersNoneWhenNoServerHasRoom() {
    ServerTable view = ServerTable.equal(2);
    view.room[0] = false;
    view.room[1] = false;
    assertThat(new SmoothWeightedRoundRobin(ServerTable.equal(2)).pick(view, 0, Balancer.NONE))
        .isEqualTo(Balancer.NONE);
  }

  @Test
  void avoidsTheServerThatJustFailedUnlessItIsTheOnlyOne() {
    Balancer balancer = new SmoothWeightedRoundRobin(ServerTable.equal(2));
    for (int i = 0; i < 10; i++) {
      assertThat(balancer.pick(ServerTable.equal(2), 0, 0)).isEqualTo(1);
    }
    ServerTable onlyFirst = ServerTable.equal(2);
    onlyFirst.room[1] = false;
    assertThat(balancer.pick(onlyFirst, 0, 0)).isEqualTo(0);
  }
}
