package io.sluice.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.util.concurrent.EventExecutor;
import io.sluice.pool.ServerState;
import io.sluice.testing.ScriptedServer;
import io.sluice.testing.TestConfigs;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The proof that a storm on the traffic loops cannot starve health checks: with every traffic loop
 * busy for seconds, checks keep their interval and a healthy server is never marked down.
 */
class HealthIsolationIT {
  @Test
  void checksKeepTheirIntervalWhileEveryTrafficLoopIsSaturated() throws Exception {
    try (ScriptedServer server = ScriptedServer.http(200)) {
      SluiceRuntime sluice =
          SluiceRuntime.start(
              TestConfigs.tcp()
                  .server(server.address())
                  .pool(
                      "health", "{check: http, interval: 100ms, timeout: 300ms, rise: 1, fall: 1}")
                  .build(),
              2);
      try {
        Thread.sleep(500);
        long saturateNanos = TimeUnit.SECONDS.toNanos(3);
        List<Long> checksSeen = new ArrayList<>();
        for (EventExecutor loop : sluice.trafficLoops()) {
          loop.execute(
              () -> {
                long end = System.nanoTime() + saturateNanos;
                while (System.nanoTime() < end) {
                  Thread.onSpinWait();
                }
              });
        }
        long start = System.nanoTime();
        boolean everDown = false;
        int lastCount = server.accepted();
        long lastChange = start;
        long worstGapNanos = 0;
        while (System.nanoTime() - start < saturateNanos) {
          everDown |= sluice.pool("back").servers().get(0).state() != ServerState.UP;
          int count = server.accepted();
          long now = System.nanoTime();
          if (count != lastCount) {
            worstGapNanos = Math.max(worstGapNanos, now - lastChange);
            checksSeen.add(now - start);
            lastCount = count;
            lastChange = now;
          }
          Thread.sleep(2);
        }
        long worstGapMillis = TimeUnit.NANOSECONDS.toMillis(worstGapNanos);
        System.out.printf(
            "health checks during 3 s of saturated traffic loops: %d checks, worst gap %d ms%n",
            checksSeen.size(), worstGapMillis);
        assertThat(everDown).isFalse();
        // 100 ms ± 10 % jitter; the rest is the two spinning loops competing for the 2 cores.
        assertThat(worstGapMillis).isLessThan(250);
        assertThat(checksSeen.size()).isGreaterThanOrEqualTo(20);
      } finally {
        sluice.stop(Duration.ZERO);
      }
    }
  }
}
