package io.sluice.observe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The watchdog over plain scheduled executors standing in for event loops. */
class EventLoopWatchdogTest {
  private final ScheduledExecutorService first = Executors.newSingleThreadScheduledExecutor();
  private final ScheduledExecutorService second = Executors.newSingleThreadScheduledExecutor();

  @AfterEach
  void stop() {
    first.shutdownNow();
    second.shutdownNow();
  }

  @Test
  void countsOneStallPerBlockedLoopAndRecoversWhenItTurnsAgain() throws Exception {
    try (EventLoopWatchdog watchdog =
        EventLoopWatchdog.start(List.of(first, second), 20, 200, TimeUnit.MILLISECONDS)) {
      await().until(watchdog::healthy);
      CountDownLatch release = new CountDownLatch(1);
      first.execute(
          () -> {
            try {
              release.await();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          });

      await().until(() -> watchdog.stalls()[0] == 1);
      assertThat(watchdog.healthy()).isFalse();
      assertThat(watchdog.lagMillis()[0]).isGreaterThan(200);
      Thread.sleep(300);
      assertThat(watchdog.stalls()[0]).isEqualTo(1);

      release.countDown();
      await().until(watchdog::healthy);
      assertThat(watchdog.stalls()[0]).isEqualTo(1);
    }
  }
}
