package io.sluice.balance;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LeastConnectionsTest {
  private final Balancer balancer = new LeastConnections();

  @Test
  void sendsEachConnectionToTheLeastLoadedServer() {
    ServerTable servers = ServerTable.equal(3);
    servers.active[0] = 5;
    servers.active[1] = 2;
    servers.active[2] = 7;
    assertThat(balancer.pick(servers, 0, Balancer.NONE)).isEqualTo(1);
  }

  @Test
  void keepsEqualServersWithinOneConnectionOfEachOther() {
    ServerTable servers = ServerTable.equal(4);
    for (int i = 0; i < 1_000; i++) {
      servers.take(balancer.pick(servers, 0, Balancer.NONE));
    }
    assertThat(servers.active).containsOnly(250);
  }

  @Test
  void loadsServersInProportionToTheirWeights() {
    ServerTable servers = ServerTable.weights(3, 1);
    for (int i = 0; i < 400; i++) {
      servers.take(balancer.pick(servers, 0, Balancer.NONE));
    }
    assertThat(servers.active[0]).isBetween(299, 301);
    assertThat(servers.active[1]).isBetween(99, 101);
  }

  @Test
  void breaksTiesAtRandomSoThatPickersDoNotHerd() {
    ServerTable servers = ServerTable.equal(4);
    int[] chosen = new int[4];
    for (int i = 0; i < 4_000; i++) {
      chosen[balancer.pick(servers, 0, Balancer.NONE)]++;
    }
    for (int count : chosen) {
      assertThat(count).isBetween(800, 1_200);
    }
  }

  @Test
  void skipsFullServersAndAvoidsTheOneThatJustFailed() {
    ServerTable servers = ServerTable.equal(3);
    servers.room[0] = false;
    servers.active[2] = 10;
    assertThat(balancer.pick(servers, 0, 1)).isEqualTo(2);
    servers.room[2] = false;
    assertThat(balancer.pick(servers, 0, 1)).isEqualTo(1);
    servers.room[1] = false;
    assertThat(balancer.pick(servers, 0, 1)).isEqualTo(Balancer.NONE);
  }

  @Test
  void countsTheConnectionsOtherFleetInstancesHold() {
    ServerTable servers = ServerTable.equal(3);
    servers.remote[0] = 5;
    servers.active[1] = 2;
    servers.active[2] = 2;

    for (int i = 0; i < 100; i++) {
      assertThat(new LeastConnections().pick(servers, 0, Balancer.NONE)).isIn(1, 2);
    }
  }
}
