package io.sluice.tls;

import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The crypto pool: the threads that compute the private-key signatures of full TLS handshakes, so
 * that a storm of handshakes never stalls an event loop (DESIGN §7). One pool serves every TLS
 * listener of a process; each listener bounds its own backlog in it ({@code signing_queue}, see
 * {@link SigningQueue}), so the executor's queue is bounded by the sum of those bounds and never
 * rejects on its own.
 *
 * <p>Threads: jobs are submitted from event loops and run on the pool's daemon threads; {@link
 * #close} is called by the control thread after the event loops have stopped.
 */
public final class SigningPool implements AutoCloseable {
  private final ThreadPoolExecutor executor;
  private final long addedLatencyNanos;

  /** One thread per core is the default: signing is pure CPU. */
  public SigningPool(int threads) {
    this(threads, Duration.ZERO);
  }

  /**
   * A pool whose every signature takes {@code addedLatency} longer, as a remote or saturated signer
   * would: for tests and capacity drills of the shedding path.
   */
  public SigningPool(int threads, Duration addedLatency) {
    AtomicInteger count = new AtomicInteger();
    this.executor =
        new ThreadPoolExecutor(
            threads,
            threads,
            0,
            TimeUnit.NANOSECONDS,
            new LinkedBlockingQueue<>(),
            job -> {
              Thread thread = new Thread(job, "sluice-crypto-" + count.incrementAndGet());
              thread.setDaemon(true);
              return thread;
            });
    this.executor.prestartAllCoreThreads();
    this.addedLatencyNanos = addedLatency.toNanos();
  }

  public int threads() {
    return executor.getCorePoolSize();
  }

  /**
   * Runs {@code job} on a crypto thread.
   *
   * @throws RejectedExecutionException once the pool is closed
   */
  void execute(Runnable job) {
    if (addedLatencyNanos > 0) {
      executor.execute(
          () -> {
            LockSupport.parkNanos(addedLatencyNanos);
            job.run();
          });
    } else {
      executor.execute(job);
    }
  }

  @Override
  public void close() {
    executor.shutdownNow();
  }
}
