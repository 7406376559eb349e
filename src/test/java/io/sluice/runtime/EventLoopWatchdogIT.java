package io.sluice.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.netty.util.concurrent.EventExecutor;
import io.sluice.observe.EventLoopWatchdog;
import io.sluice.testing.EchoServer;
import io.sluice.testing.RuntimeTest;
import io.sluice.testing.TestConfigs;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** A traffic loop blocked on purpose, and the watchdog that sees it from outside. */
class EventLoopWatchdogIT extends RuntimeTest {
  private final Logger watchdogLog = (Logger) LoggerFactory.getLogger(EventLoopWatchdog.class);
  private final ListAppender<ILoggingEvent> reports = new ListAppender<>();

  @AfterEach
  void detach() {
    watchdogLog.detachAppender(reports);
  }

  /**
   * What a handler that blocks its loop looks like: here, a sleep where a lock or file would be.
   */
  private static void blockTheLoopOnPurpose(CountDownLatch done) {
    try {
      Thread.sleep(2000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    done.countDown();
  }

  private List<ILoggingEvent> stallReports() {
    synchronized (reports.list) {
      return reports.list.stream()
          .filter(event -> event.getFormattedMessage().contains("blockTheLoopOnPurpose"))
          .toList();
    }
  }

  @Test
  void reportsABlockedLoopOnceWithTheFrameThatBlocksIt() throws Exception {
    reports.start();
    watchdogLog.addAppender(reports);
    EchoServer echo = keep(new EchoServer());
    sluice =
        SluiceRuntime.start(
            TestConfigs.tcp()
                .server(echo.address())
                .top("watchdog", "{tick: 50ms, stall: 500ms}")
                .build(),
            2);
    await().until(() -> sluice.view().loopLagMillis().length == 2);
    EventExecutor loop = sluice.trafficLoops().iterator().next();
    CountDownLatch done = new CountDownLatch(1);

    loop.execute(() -> blockTheLoopOnPurpose(done));

    await().atMost(Duration.ofSeconds(10)).until(() -> !stallReports().isEmpty());
    assertThat(sluice.loopsTurning()).isFalse();
    assertThat(sluice.view().loopLagMillis()[0]).isGreaterThan(500);
    String report = stallReports().get(0).getFormattedMessage();
    assertThat(report)
        .contains("event loop 0")
        .contains("stalled")
        .contains("java.lang.Thread.sleep");

    done.await();
    await().until(sluice::loopsTurning);
    // Well past the stall: still one report for one stall, and it is counted. (A loaded machine
    // may stall a loop briefly on its own, loading classes; those are counted too.)
    Thread.sleep(600);
    assertThat(stallReports()).hasSize(1);
    assertThat(sluice.view().loopStalls()[0]).isGreaterThanOrEqualTo(1);
  }
}
