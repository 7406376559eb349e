package io.sluice.balance;

/** Makes a fresh balancer for one event loop; a pool holds one factory and many balancers. */
@FunctionalInterface
public interface BalancerFactory {
  /** A new balancer for {@code serverCount} servers. */
  Balancer create(int serverCount);
}
