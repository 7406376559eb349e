package io.sluice.runtime;

import io.sluice.balance.BalancerFactory;
import io.sluice.balance.BoundedLoadConsistentHash;
import io.sluice.balance.Closest;
import io.sluice.balance.FirstAvailable;
import io.sluice.balance.LeastConnections;
import io.sluice.balance.PowerOfTwoChoices;
import io.sluice.balance.SmoothWeightedRoundRobin;
import io.sluice.config.PoolConfig;

/** The registry of balancing algorithms: one line per YAML word. */
final class Balancers {
  private Balancers() {}

  static BalancerFactory of(PoolConfig pool) {
    return switch (pool.balance()) {
      case ROUND_ROBIN -> SmoothWeightedRoundRobin.sharedFactory();
      case LEAST_CONN -> view -> new LeastConnections();
      case SOURCE_HASH -> BoundedLoadConsistentHash.factory(pool.hashBalanceFactor() / 100.0);
      case P2C -> view -> new PowerOfTwoChoices();
      case FIRST -> view -> new FirstAvailable();
      case CLOSEST -> view -> new Closest();
    };
  }
}
