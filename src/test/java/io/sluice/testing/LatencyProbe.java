package io.sluice.testing;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * A well-behaved client's latency, request after request: measured alone for a baseline, then in a
 * thread of its own while an attack runs, so a test can say the attack left others alone. Every
 * request must succeed; a failure is recorded and fails {@link Result#failures()} checks.
 *
 * <p>Threads: {@link #during} runs on a thread of its own; results are read after it stops.
 */
public final class LatencyProbe {
  private final Callable<Boolean> request;
  private final List<Long> nanos = Collections.synchronizedList(new ArrayList<>());
  private final List<String> failures = Collections.synchronizedList(new ArrayList<>());
  private volatile boolean running;
  private long startNanos;
  private Thread thread;

  /**
   * @param request one request; returns whether it got the answer expected
   */
  public LatencyProbe(Callable<Boolean> request) {
    this.request = request;
  }

  /** The latencies of {@code count} requests one after the other (after as many to warm up). */
  public Result baseline(int count) {
    for (int i = 0; i < count; i++) {
      once();
    }
    nanos.clear();
    failures.clear();
    for (int i = 0; i < count; i++) {
      once();
    }
    Result result = result();
    nanos.clear();
    failures.clear();
    return result;
  }

  /** Starts sending requests, one every {@code pauseMillis}, until {@link #stop}. */
  public void during(long pauseMillis) {
    running = true;
    startNanos = System.nanoTime();
    thread =
        new Thread(
            () -> {
              // Bounded by stop() and by count.
              for (int i = 0; i < 100_000 && running; i++) {
                once();
                try {
                  Thread.sleep(pauseMillis);
                } catch (InterruptedException e) {
                  return;
                }
              }
            },
            "latency-probe");
    thread.setDaemon(true);
    thread.start();
  }

  /**
   * Stops sending, but not before {@code atLeast} since {@link #during} began: a short attack still
   * yields a few hundred requests, so p99 is not merely the slowest of a few dozen.
   */
  public Result stop(java.time.Duration atLeast) throws InterruptedException {
    long left = startNanos + atLeast.toNanos() - System.nanoTime();
    if (left > 0) {
      Thread.sleep(left / 1_000_000);
    }
    return stop();
  }

  public Result stop() throws InterruptedException {
    running = false;
    thread.join(30_000);
    return result();
  }

  private void once() {
    long start = System.nanoTime();
    try {
      if (request.call()) {
        nanos.add(System.nanoTime() - start);
      } else {
        failures.add("unexpected answer");
      }
    } catch (Exception e) {
      failures.add(e.toString());
    }
  }

  private Result result() {
    List<Long> sorted;
    synchronized (nanos) {
      sorted = new ArrayList<>(nanos);
    }
    Collections.sort(sorted);
    return new Result(sorted, List.copyOf(failures));
  }

  /** Latencies sorted, and what failed. */
  public record Result(List<Long> sortedNanos, List<String> failures) {
    public int count() {
      return sortedNanos.size();
    }

    /** The 99th percentile in milliseconds. */
    public double p99Millis() {
      if (sortedNanos.isEmpty()) {
        return Double.NaN;
      }
      int index = (int) Math.ceil(sortedNanos.size() * 0.99) - 1;
      return sortedNanos.get(Math.max(0, index)) / 1e6;
    }

    /**
     * Whether this run's p99 is within what an attack may cost the others: under five times the
     * baseline's, or under 50 ms (a two-core machine's scheduling noise alone reaches that).
     */
    public boolean withinToleranceOf(Result baseline) {
      return p99Millis() < Math.max(5 * baseline.p99Millis(), 50);
    }

    @Override
    public String toString() {
      int n = sortedNanos.size();
      return String.format(
          "%d requests, p50 %.2f ms, p99 %.2f ms, slowest %s ms, %d failed",
          n,
          n == 0 ? Double.NaN : sortedNanos.get(n / 2) / 1e6,
          p99Millis(),
          sortedNanos.subList(Math.max(0, n - 3), n).stream()
              .map(nanos -> String.format("%.1f", nanos / 1e6))
              .toList(),
          failures.size());
    }
  }
}
