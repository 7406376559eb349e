package io.sluice.balance;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class PowerOfTwoChoicesTest {
  private final Balancer balancer = new PowerOfTwoChoices();

  @Test
  void keepsTheMostLoadedServerCloseToTheAverage() {
    ServerTable servers = ServerTable.equal(30);
    for (int i = 0; i < 30_000; i++) {
      servers.take(balancer.pick(servers, 0, Balancer.NONE));
    }
    int max = Arrays.stream(servers.active).max().orElseThrow();
    int min = Arrays.stream(servers.active).min().orElseThrow();
    // Two choices keep the gap to O(log log n); random placement would be ~±100 here.
    assertThat(max - min).isLessThan(20);
  }

  @Test
  void neverPicksAServerWithoutRoomNorTheAvoidedOne() {
    ServerTable servers = ServerTable.equal(10);
    for (int i = 0; i < 9; i++) {
      servers.room[i] = i % 3 == 0;
    }
    for (int i = 0; i < 1_000; i++) {
      int pick = balancer.pick(servers, 0, 3);
      assertThat(pick).isIn(0, 6, 9);
    }
  }

  @Test
  void answersNoneWhenNoServerHasRoom() {
    ServerTable servers = ServerTable.equal(5);
    Arrays.fill(servers.room, false);
    assertThat(balancer.pick(servers, 0, Balancer.NONE)).isEqualTo(Balancer.NONE);
  }

  @Test
  void countsTheConnectionsOtherFleetInstancesHold() {
    ServerTable servers = ServerTable.equal(3);
    servers.remote[0] = 1_000;
    int picksOfTheBusiest = 0;
    for (int i = 0; i < 300; i++) {
      if (servers.take(balancer.pick(servers, 0, Balancer.NONE)) == 0) {
        picksOfTheBusiest++;
      }
    }
    // Only when every draw lands on it ((1/3)^4 of the picks) is the fleet's busiest server chosen.
    assertThat(picksOfTheBusiest).isLessThan(30);
  }
}
