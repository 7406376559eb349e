package io.sluice.balance;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What every balancer promises, checked over thousands of random pools: it picks only a server with
 * room, answers NONE only when none has room, and returns the avoided server only when it is the
 * only one with room.
 */
class BalancerPropertiesTest {
  static Stream<Arguments> balancers() {
    return Stream.of(
        Arguments.of("round_robin", (Function<ServerView, Balancer>) SmoothWeightedRoundRobin::new),
        Arguments.of("least_conn", (Function<ServerView, Balancer>) view -> new LeastConnections()),
        Arguments.of("p2c", (Function<ServerView, Balancer>) view -> new PowerOfTwoChoices()),
        Arguments.of("first", (Function<ServerView, Balancer>) view -> new FirstAvailable()),
        Arguments.of(
            "source_hash",
            (Function<ServerView, Balancer>)
                view -> BoundedLoadConsistentHash.factory(1.25).create(view)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("balancers")
  void picksOnlyServersWithRoomAndAvoidsTheFailedOneWhenItCan(
      String name, Function<ServerView, Balancer> factory) {
    SplittableRandom random = new SplittableRandom(name.hashCode());
    for (int trial = 0; trial < 2_000; trial++) {
      int size = 1 + random.nextInt(12);
      int[] weights = new int[size];
      for (int i = 0; i < size; i++) {
        weights[i] = 1 + random.nextInt(5);
      }
      ServerTable servers = ServerTable.weights(weights);
      int withRoom = 0;
      for (int i = 0; i < size; i++) {
        servers.room[i] = random.nextInt(4) != 0;
        servers.active[i] = random.nextInt(50);
        withRoom += servers.room[i] ? 1 : 0;
      }
      int avoid = random.nextBoolean() ? Balancer.NONE : random.nextInt(size);
      Balancer balancer = factory.apply(servers);

      for (int pick = 0; pick < 5; pick++) {
        int chosen = balancer.pick(servers, random.nextLong(), avoid);
        if (withRoom == 0) {
          assertThat(chosen).isEqualTo(Balancer.NONE);
          continue;
        }
        assertThat(chosen).as("trial %d", trial).isBetween(0, size - 1);
        assertThat(servers.room[chosen]).as("trial %d: picked a full server", trial).isTrue();
        boolean avoidIsTheOnlyOne = withRoom == 1 && avoid != Balancer.NONE && servers.room[avoid];
        if (chosen == avoid) {
          assertThat(avoidIsTheOnlyOne).as("trial %d: picked the avoided server", trial).isTrue();
        }
      }
    }
  }
}
