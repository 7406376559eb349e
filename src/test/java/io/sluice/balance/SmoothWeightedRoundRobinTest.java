package io.sluice.balance;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class SmoothWeightedRoundRobinTest {
  /** A fixed view: weights, and which servers have room. */
  private record View(int[] weights, boolean[] room) implements ServerView {
    static View of(int... weights) {
      boolean[] room = new boolean[weights.length];
      Arrays.fill(room, true);
      return new View(weights, room);
    }

    @Override
    public int size() {
      return weights.length;
    }

    @Override
    public int weight(int server) {
      return weights[server];
    }

    @Override
    public boolean hasRoom(int server) {
      return room[server];
    }

    @Override
    public int active(int server) {
      return 0;
    }
  }

  private static List<Integer> picks(Balancer balancer, ServerView view, int count) {
    List<Integer> picks = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      picks.add(balancer.pick(view, 0, Balancer.NONE));
    }
    return picks;
  }

  @Test
  void takesEqualServersInTurn() {
    assertThat(picks(new SmoothWeightedRoundRobin(3), View.of(1, 1, 1), 6))
        .containsExactly(0, 1, 2, 0, 1, 2);
  }

  @Test
  void interleavesAHeavyServerInsteadOfSendingItABurst() {
    assertThat(picks(new SmoothWeightedRoundRobin(3), View.of(5, 1, 1), 7))
        .containsExactly(0, 0, 1, 0, 2, 0, 0);
  }

  @Test
  void honoursWeightsOverManyPicks() {
    List<Integer> picks = picks(new SmoothWeightedRoundRobin(3), View.of(3, 2, 1), 600);
    assertThat(picks.stream().filter(i -> i == 0).count()).isEqualTo(300);
    assertThat(picks.stream().filter(i -> i == 1).count()).isEqualTo(200);
    assertThat(picks.stream().filter(i -> i == 2).count()).isEqualTo(100);
  }

  @Test
  void skipsServersWithoutRoom() {
    View view = View.of(1, 1, 1);
    view.room()[1] = false;
    assertThat(picks(new SmoothWeightedRoundRobin(3), view, 4)).containsExactly(0, 2, 0, 2);
  }

  @Test
  void answersNoneWhenNoServerHasRoom() {
    View view = View.of(1, 1);
    view.room()[0] = false;
    view.room()[1] = false;
    assertThat(new SmoothWeightedRoundRobin(2).pick(view, 0, Balancer.NONE))
        .isEqualTo(Balancer.NONE);
  }

  @Test
  void avoidsTheServerThatJustFailedUnlessItIsTheOnlyOne() {
    Balancer balancer = new SmoothWeightedRoundRobin(2);
    for (int i = 0; i < 10; i++) {
      assertThat(balancer.pick(View.of(1, 1), 0, 0)).isEqualTo(1);
    }
    View onlyFirst = View.of(1, 1);
    onlyFirst.room()[1] = false;
    assertThat(balancer.pick(onlyFirst, 0, 0)).isEqualTo(0);
  }
}
