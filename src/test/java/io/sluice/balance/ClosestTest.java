package io.sluice.balance;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ClosestTest {
  private final Balancer balancer = new Closest();

  @Test
  void measuresEveryServerBeforeTrustingTheAverages() {
    ServerTable servers = ServerTable.equal(3);
    servers.latency[0] = 1_000_000;
    servers.latency[2] = 500_000;
    assertThat(balancer.pick(servers, 0, Balancer.NONE)).isEqualTo(1);
  }

  @Test
  void picksTheLowestLatencyScaledByLoad() {
    ServerTable servers = ServerTable.equal(3);
    servers.latency[0] = 5_000_000;
    servers.latency[1] = 1_000_000;
    servers.latency[2] = 2_000_000;
    assertThat(balancer.pick(servers, 0, Balancer.NONE)).isEqualTo(1);
    servers.active[1] = 3; // 1 ms × 4 = 4 ms, now above 2 ms × 1
    assertThat(balancer.pick(servers, 0, Balancer.NONE)).isEqualTo(2);
  }

  @Test
  void skipsServersWithoutRoomAndTheAvoidedOne() {
    ServerTable servers = ServerTable.equal(3);
    servers.latency[0] = 1;
    servers.latency[1] = 2;
    servers.latency[2] = 3;
    servers.room[0] = false;
    assertThat(balancer.pick(servers, 0, 1)).isEqualTo(2);
  }
}
