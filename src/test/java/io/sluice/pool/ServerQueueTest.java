package io.sluice.pool;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ServerQueueTest {
  private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

  /** A waiter that records the order in which it was served. */
  private record Recorder(int id, List<Integer> served) implements Waiter {
    @Override
    public boolean offer(Server server) {
      served.add(id);
      return true;
    }
  }

  @Test
  void aQueueThatStandsForAnIntervalGivesNewcomersOnlyTheTarget() throws InterruptedException {
    ServerQueue queue = new ServerQueue(10, 500 * MS, 5 * MS, 30 * MS, false);
    List<Integer> served = new ArrayList<>();
    assertThat(queue.timeoutNanos()).isEqualTo(500 * MS);
    queue.add(new Recorder(1, served));
    assertThat(queue.timeoutNanos()).isEqualTo(500 * MS);
    Thread.sleep(60);
    assertThat(queue.timeoutNanos()).isEqualTo(5 * MS);
    queue.handOver(null);
    assertThat(queue.timeoutNanos()).as("empty again").isEqualTo(500 * MS);
  }

  @Test
  void servesNewestFirstOnlyWhileStandingWithLifo() throws InterruptedException {
    ServerQueue queue = new ServerQueue(10, 500 * MS, 5 * MS, 30 * MS, true);
    List<Integer> served = new ArrayList<>();
    for (int i = 1; i <= 3; i++) {
      queue.add(new Recorder(i, served));
    }
    queue.handOver(null);
    Thread.sleep(60);
    queue.handOver(null);
    queue.handOver(null);
    assertThat(served).containsExactly(1, 3, 2);
  }

  @Test
  void theDrainRateIsUnknownUntilASlotCameBackWhileSomeoneWaited() throws InterruptedException {
    DrainRate rate = new DrainRate();
    long start = System.nanoTime();
    rate.roll(start + 200 * MS, true);
    assertThat(rate.waitNanos(1)).as("nothing came back yet").isEqualTo(-1);
    for (int i = 0; i < 20; i++) {
      rate.released(start + 200 * MS + i * MS, true);
    }
    rate.roll(start + 400 * MS, true);
    // 20 in the 200 ms window: 100 a second, so the fifth in line waits about 50 ms.
    assertThat(rate.perSecond()).isBetween(90.0, 110.0);
    assertThat(rate.waitNanos(5)).isBetween(45 * MS, 56 * MS);
  }
}
