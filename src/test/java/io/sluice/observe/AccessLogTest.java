package io.sluice.observe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class AccessLogTest {
  private static final ConnectionRecord RECORD =
      new ConnectionRecord(
          0,
          "127.0.0.1:1",
          "front",
          "back",
          "127.0.0.1:2",
          0,
          1,
          2,
          3,
          4,
          TerminationState.NORMAL,
          null);

  /** A destination that holds the writer until released, as a stalled disk would. */
  private static final class StalledSink implements LogSink {
    final CountDownLatch release = new CountDownLatch(1);
    final List<String> lines = new ArrayList<>();
    volatile int reopened;

    @Override
    public synchronized void write(CharSequence line) throws IOException {
      try {
        release.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      lines.add(line.toString());
    }

    @Override
    public void flush() {}

    @Override
    public synchronized void reopen() {
      reopened++;
    }

    @Override
    public void close() {}
  }

  @Test
  void dropsAndCountsWhatAStalledDestinationCannotTakeWithoutBlockingTheCaller() {
    StalledSink sink = new StalledSink();
    AccessLog log = AccessLog.start(LineFormat.tcpLog(), sink, 4);
    long start = System.nanoTime();
    for (int i = 0; i < 100; i++) {
      log.record(RECORD);
    }
    assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start)).isLessThan(5);
    sink.release.countDown();
    log.close();
    // One line in the writer's hands, four queued: the rest were dropped and counted.
    assertThat(log.written() + log.dropped()).isEqualTo(100);
    assertThat(log.dropped()).isGreaterThanOrEqualTo(95);
  }

  @Test
  void reopensWhenAsked() {
    StalledSink sink = new StalledSink();
    sink.release.countDown();
    AccessLog log = AccessLog.start(LineFormat.json(), sink, 16);
    log.record(RECORD);
    log.reopen();
    await().until(() -> sink.reopened == 1);
    log.record(RECORD);
    log.close();
    assertThat(sink.lines).hasSize(2);
    assertThat(sink.lines.get(0)).startsWith("{\"time\":");
  }

  @Test
  void anOffLogTakesNothing() {
    AccessLog log = AccessLog.off();
    log.record(RECORD);
    log.reopen();
    log.close();
    assertThat(log.enabled()).isFalse();
    assertThat(log.written() + log.dropped()).isZero();
  }
}
