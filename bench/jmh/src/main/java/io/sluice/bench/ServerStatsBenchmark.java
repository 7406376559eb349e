package io.sluice.bench;

import io.sluice.pool.ServerStats;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What one HTTP request costs a server's figures: its queue wait, connect, body and first-byte
 * times and its status, as the event loop records them. One thread, and two threads on the same
 * server (two event loops sending to one server). Run with {@code -prof gc}: nothing may allocate.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class ServerStatsBenchmark {
  private final ServerStats stats = new ServerStats();

  /** Durations that land in different buckets, per thread. */
  @State(Scope.Thread)
  public static class Clock {
    long nanos;

    long next() {
      nanos += 7_919_113;
      return nanos % 3_000_000_000L;
    }
  }

  @Benchmark
  @Threads(1)
  public void oneLoop(Clock clock) {
    record(clock);
  }

  @Benchmark
  @Threads(2)
  public void twoLoopsOneServer(Clock clock) {
    record(clock);
  }

  private void record(Clock clock) {
    long nanos = clock.next();
    stats.queueWait(nanos >>> 8);
    stats.connect(nanos >>> 6);
    stats.requestBody(nanos >>> 4);
    stats.firstByte(nanos);
    stats.responseBody(nanos >>> 2);
    stats.response(200 + (int) (nanos & 255));
  }
}
