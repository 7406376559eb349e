package io.sluice.pool;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ServerTest {
  @Test
  void refusesASlotWhenAtItsLimitAndGivesItBackOnRelease() {
    Server server = new Server("s", null, 1, 2, false, false);
    assertThat(server.tryTake()).isTrue();
    assertThat(server.tryTake()).isTrue();
    assertThat(server.tryTake()).isFalse();
    server.release();
    assertThat(server.tryTake()).isTrue();
    assertThat(server.active()).isEqualTo(2);
  }

  @Test
  void takesNoSlotUnlessUp() {
    Server server = new Server("s", null, 1, 0, false, false);
    for (ServerState state : new ServerState[] {ServerState.DRAIN, ServerState.MAINT}) {
      server.adminState(state);
      assertThat(server.tryTake()).as(state.name()).isFalse();
      assertThat(server.state()).isEqualTo(state);
    }
    server.adminState(ServerState.UP);
    server.healthy(false);
    assertThat(server.tryTake()).isFalse();
    assertThat(server.state()).isEqualTo(ServerState.DOWN);
    server.healthy(true);
    server.ejected(true);
    assertThat(server.tryTake()).isFalse();
    server.ejected(false);
    assertThat(server.tryTake()).isTrue();
  }

  @Test
  void neverExceedsItsLimitUnderConcurrentTakes() throws Exception {
    Server server = new Server("s", null, 1, 50, false, false);
    AtomicInteger granted = new AtomicInteger();
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService threads = Executors.newFixedThreadPool(4);
    for (int t = 0; t < 4; t++) {
      threads.submit(
          () -> {
            start.await();
            for (int i = 0; i < 1_000; i++) {
              if (server.tryTake()) {
                granted.incrementAndGet();
              }
            }
            return null;
          });
    }
    start.countDown();
    threads.shutdown();
    assertThat(threads.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    assertThat(granted.get()).isEqualTo(50);
    assertThat(server.active()).isEqualTo(50);
  }

  @Test
  void rampsItsWeightUpAfterComingBackUnderSlowStart() throws Exception {
    Server server = new Server("s", null, 100, 0, false, false);
    server.slowStart(TimeUnit.MILLISECONDS.toNanos(600));
    assertThat(server.weight()).isEqualTo(100);
    server.healthy(false);
    server.healthy(true);
    assertThat(server.weight()).isBetween(10, 30);
    Thread.sleep(300);
    assertThat(server.weight()).isBetween(40, 90);
    Thread.sleep(400);
    assertThat(server.weight()).isEqualTo(100);
    assertThat(server.configuredWeight()).isEqualTo(100);
  }

  @Test
  void averagesLatencySamplesAndDampsAnOutlier() {
    Server server = new Server("s", null, 1, 0, false, false);
    assertThat(server.latencyNanos()).isZero();
    server.recordLatency(1_000_000);
    assertThat(server.latencyNanos()).isEqualTo(1_000_000);
    server.recordLatency(1_000_000_000); // one stalled connect counts as 4 ms, not 1 s
    assertThat(server.latencyNanos()).isEqualTo(1_600_000);
  }
}
