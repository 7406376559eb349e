package io.sluice.observe;

import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Notices an event loop that stopped turning. Each loop runs a tick every {@code tick}; the tick
 * measures how late it ran (the loop's lag). A thread of the watchdog's own looks at the ticks
 * every half tick: a tick overdue by more than {@code stall} means the loop is blocked, and the
 * watchdog logs the blocked thread's stack once per stall, while it is still blocked, so the frame
 * at fault is in the log, and counts it.
 *
 * <p>Threads: each loop writes its own {@link LoopTicks} fields (single writer per field group:
 * {@code lastTick}, {@code lagNanos} by the loop; {@code reported}, {@code stalls} by the watchdog
 * thread); anyone reads. {@link #close()} by the thread stopping the process.
 */
public final class EventLoopWatchdog implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(EventLoopWatchdog.class);

  /** Frames printed for a stalled loop: enough to reach the handler at fault, short in a log. */
  private static final int MAX_FRAMES = 40;

  private final long tickNanos;
  private final long stallNanos;
  private final LoopTicks[] loops;
  private final ScheduledExecutorService watcher;
  private volatile boolean closed;

  private EventLoopWatchdog(List<ScheduledExecutorService> loops, long tickNanos, long stallNanos) {
    this.tickNanos = tickNanos;
    this.stallNanos = stallNanos;
    this.loops = new LoopTicks[loops.size()];
    for (int i = 0; i < this.loops.length; i++) {
      this.loops[i] = new LoopTicks(i, loops.get(i));
    }
    this.watcher =
        Executors.newSingleThreadScheduledExecutor(
            job -> {
              Thread thread = new Thread(job, "sluice-watchdog");
              thread.setDaemon(true);
              return thread;
            });
  }

  /**
   * Starts ticking on every loop of {@code loops} and watching them.
   *
   * @param tick time between two ticks of a loop
   * @param stall how late a tick may be before the loop counts as stalled
   */
  public static EventLoopWatchdog start(
      List<ScheduledExecutorService> loops, long tick, long stall, TimeUnit unit) {
    EventLoopWatchdog watchdog =
        new EventLoopWatchdog(loops, unit.toNanos(tick), unit.toNanos(stall));
    for (LoopTicks loop : watchdog.loops) {
      loop.loop.execute(() -> watchdog.firstTick(loop));
    }
    long period = Math.max(1, watchdog.tickNanos / 2);
    watchdog.watcher.scheduleWithFixedDelay(watchdog::watch, period, period, TimeUnit.NANOSECONDS);
    return watchdog;
  }

  private void firstTick(LoopTicks loop) {
    loop.thread = Thread.currentThread();
    long now = System.nanoTime();
    loop.lastTick = now;
    schedule(loop, now);
  }

  private void schedule(LoopTicks loop, long now) {
    if (closed) {
      return;
    }
    long due = now + tickNanos;
    try {
      loop.loop.schedule(() -> tick(loop, due), tickNanos, TimeUnit.NANOSECONDS);
    } catch (RuntimeException e) {
      // The loop is shutting down: nothing left to watch.
    }
  }

  private void tick(LoopTicks loop, long due) {
    long now = System.nanoTime();
    loop.lagNanos = Math.max(0, now - due);
    loop.lastTick = now;
    schedule(loop, now);
  }

  /** On the watchdog thread: report each loop whose tick is overdue by more than the limit. */
  private void watch() {
    long now = System.nanoTime();
    for (LoopTicks loop : loops) {
      long last = loop.lastTick;
      if (last == 0) {
        continue;
      }
      long overdue = now - last - tickNanos;
      if (overdue <= stallNanos) {
        loop.reportedTick = 0;
        continue;
      }
      if (loop.reportedTick == last) {
        continue;
      }
      loop.reportedTick = last;
      loop.stalls.incrementAndGet();
      report(loop, overdue);
    }
  }

  private static void report(LoopTicks loop, long overdueNanos) {
    Thread thread = loop.thread;
    StringBuilder text = new StringBuilder(2048);
    StackTraceElement[] stack = thread == null ? new StackTraceElement[0] : thread.getStackTrace();
    for (int i = 0; i < stack.length && i < MAX_FRAMES; i++) {
      text.append("\n\tat ").append(stack[i]);
    }
    if (stack.length > MAX_FRAMES) {
      text.append("\n\t... ").append(stack.length - MAX_FRAMES).append(" more");
    }
    log.warn(
        "event loop {} ({}) stalled: its tick is {} ms late; what it is running:{}",
        loop.index,
        thread == null ? "?" : thread.getName(),
        TimeUnit.NANOSECONDS.toMillis(overdueNanos),
        text);
  }

  /**
   * Each loop's lag in milliseconds: how late its last tick ran, or, while it is stalled, how
   * overdue the next one is.
   */
  public double[] lagMillis() {
    long now = System.nanoTime();
    double[] lags = new double[loops.length];
    for (int i = 0; i < lags.length; i++) {
      LoopTicks loop = loops[i];
      long lag = loop.lagNanos;
      if (loop.lastTick != 0) {
        lag = Math.max(lag, now - loop.lastTick - tickNanos);
      }
      lags[i] = Math.max(0, lag) / 1e6;
    }
    return lags;
  }

  /** Stalls reported per loop since start. */
  public long[] stalls() {
    long[] counts = new long[loops.length];
    for (int i = 0; i < counts.length; i++) {
      counts[i] = loops[i].stalls.get();
    }
    return counts;
  }

  /** Whether every loop has ticked within the stall limit: the process is turning. */
  public boolean healthy() {
    long now = System.nanoTime();
    for (LoopTicks loop : loops) {
      if (loop.lastTick != 0 && now - loop.lastTick - tickNanos > stallNanos) {
        return false;
      }
    }
    return true;
  }

  @Override
  public void close() {
    closed = true;
    watcher.shutdownNow();
  }

  /** One loop's ticks. */
  private static final class LoopTicks {
    final int index;
    final ScheduledExecutorService loop;

    /** Written once by the loop's first tick. */
    volatile Thread thread;

    /** Written by the loop. */
    volatile long lastTick;

    /** Written by the loop. */
    volatile long lagNanos;

    /** The watchdog thread's: the tick already reported, so one stall is logged once. */
    long reportedTick;

    final AtomicLong stalls = new AtomicLong();

    LoopTicks(int index, ScheduledExecutorService loop) {
      this.index = index;
      this.loop = loop;
    }
  }
}
