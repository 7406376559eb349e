package io.sluice.balance;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class FirstAvailableTest {
  @Test
  void fillsServersInTheirConfiguredOrder() {
    ServerTable servers = ServerTable.equal(3);
    Balancer balancer = new FirstAvailable();
    assertThat(balancer.pick(servers, 0, Balancer.NONE)).isZero();
    servers.room[0] = false;
    assertThat(balancer.pick(servers, 0, Balancer.NONE)).isEqualTo(1);
    assertThat(balancer.pick(servers, 0, 1)).isEqualTo(2);
    servers.room[2] = false;
    assertThat(balancer.pick(servers, 0, 1)).isEqualTo(1);
  }
}
