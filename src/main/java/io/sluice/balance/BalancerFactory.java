package io.sluice.balance;

/** Makes a fresh balancer for one event loop; a pool holds one factory and many balancers. */
@FunctionalInterface
public interface BalancerFactory {
  /** A new balancer for the servers of {@code view}, which keeps their number and order. */
  Balancer create(ServerView view);
}
