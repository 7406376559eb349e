package io.sluice.pool;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class DurationHistogramTest {
  private static final long MICROS = 1_000;
  private static final long MILLIS = 1_000_000;

  @Test
  void countsEachDurationInTheFirstBucketWhoseBoundHoldsIt() {
    DurationHistogram histogram = new DurationHistogram(new double[] {0.001, 0.01, 0.1});
    histogram.record(0);
    histogram.record(MILLIS); // on the bound: bounds are inclusive, as Prometheus's le
    histogram.record(MILLIS + 1);
    histogram.record(50 * MILLIS);
    histogram.record(2_000 * MILLIS);
    histogram.record(-5); // a clock read out of order

    assertThat(histogram.counts()).containsExactly(3, 1, 1, 1);
    assertThat(histogram.count()).isEqualTo(6);
    assertThat(histogram.sumNanos()).isEqualTo(MILLIS + MILLIS + 1 + 50 * MILLIS + 2_000 * MILLIS);
    assertThat(histogram.boundsSeconds()).containsExactly(0.001, 0.01, 0.1);
  }

  @Test
  void proxyBucketsRunFrom100MicrosecondsTo10Seconds() {
    DurationHistogram histogram = DurationHistogram.forProxy();
    double[] bounds = histogram.boundsSeconds();
    assertThat(bounds[0]).isEqualTo(0.0001);
    assertThat(bounds[bounds.length - 1]).isEqualTo(10.0);
    histogram.record(100 * MICROS);
    histogram.record(101 * MICROS);
    histogram.record(11_000 * MILLIS);
    long[] counts = histogram.counts();
    assertThat(counts).hasSize(bounds.length + 1);
    assertThat(counts[0]).isEqualTo(1);
    assertThat(counts[1]).isEqualTo(1);
    assertThat(counts[counts.length - 1]).isEqualTo(1);
  }

  @Test
  void refusesBoundsOutOfOrder() {
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> new DurationHistogram(new double[] {0.1, 0.01}))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void losesNoCountWhenThreadsRecordAtOnce() throws Exception {
    DurationHistogram histogram = DurationHistogram.forProxy();
    ExecutorService threads = Executors.newFixedThreadPool(4);
    try {
      Future<?>[] done = new Future<?>[4];
      for (int t = 0; t < done.length; t++) {
        done[t] =
            threads.submit(
                () -> {
                  for (int i = 0; i < 100_000; i++) {
                    histogram.record(3 * MILLIS);
                  }
                });
      }
      for (Future<?> each : done) {
        each.get(30, TimeUnit.SECONDS);
      }
    } finally {
      threads.shutdownNow();
    }
    assertThat(histogram.count()).isEqualTo(400_000);
    assertThat(histogram.sumNanos()).isEqualTo(400_000 * 3 * MILLIS);
  }

  @Test
  void recordingAServersFiguresAllocatesNothing() {
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    ServerStats stats = new ServerStats();
    AtomicLong clock = new AtomicLong();
    Runnable oneRequest =
        () -> {
          long nanos = clock.addAndGet(7_919);
          stats.queueWait(nanos % (20 * MILLIS));
          stats.connect(nanos % (3 * MILLIS));
          stats.requestBody(nanos % (200 * MILLIS));
          stats.firstByte(nanos % (2_000 * MILLIS));
          stats.responseBody(nanos % (20_000 * MILLIS));
          stats.response(200 + (int) (nanos % 400));
        };
    for (int i = 0; i < 20_000; i++) {
      oneRequest.run(); // compiled before it is measured
    }
    long before = threads.getCurrentThreadAllocatedBytes();
    for (int i = 0; i < 100_000; i++) {
      oneRequest.run();
    }
    long allocated = threads.getCurrentThreadAllocatedBytes() - before;
    // Anything per request would be at least 1.6 MB here (16 bytes, the smallest object, 100,000
    // times); what remains is the measurement's own noise.
    assertThat(allocated).isLessThan(4_096);
    assertThat(stats.queueWait().count()).isEqualTo(120_000);
  }
}
