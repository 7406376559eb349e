package io.sluice.observe;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One line per finished connection, written by its own thread so that an event loop never waits for
 * a disk or a socket.
 *
 * <p>Threads: any event loop calls {@link #record}; it only offers to a bounded queue, and when the
 * queue is full the line is dropped and counted ({@link #dropped()}), never blocking. The writer
 * thread is the only one that formats and writes, and the only one that touches the sink. {@link
 * #reopen()} may be called from any thread (a signal handler): it sets a flag the writer reads.
 * {@link #close()} is called once, by the thread stopping the process, and drains what is queued.
 */
public final class AccessLog implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AccessLog.class);

  private static final LogRecord POISON = (field, line) -> {};
  private static final LogRecord WAKE = (field, line) -> {};

  /** How often the sink checks its destination (a moved file): cheap, and soon enough. */
  private static final long CHECK_MILLIS = 1000;

  private final BlockingQueue<LogRecord> queue;
  private final LineFormat format;
  private final LogSink sink;
  private final Thread writer;
  private final LongAdder written = new LongAdder();
  private final LongAdder dropped = new LongAdder();
  private volatile boolean closed;
  private volatile boolean reopenRequested;
  private final boolean enabled;

  private AccessLog(int capacity, LineFormat format, LogSink sink) {
    this.queue = new ArrayBlockingQueue<>(capacity);
    this.format = format;
    this.sink = sink;
    this.enabled = sink != null;
    if (enabled) {
      this.writer = new Thread(this::drain, "sluice-access-log");
      this.writer.setDaemon(true);
      this.writer.start();
    } else {
      this.writer = null;
    }
  }

  /** Lines formatted by {@code format} into {@code sink}, with {@code capacity} lines queued. */
  public static AccessLog start(LineFormat format, LogSink sink, int capacity) {
    return new AccessLog(capacity, format, sink);
  }

  /** A log that writes nothing and costs nothing. */
  public static AccessLog off() {
    return new AccessLog(1, null, null);
  }

  /**
   * Opens the {@code tcplog} log described by {@code path}: {@code stdout}, {@code off}, or a file
   * appended to.
   */
  public static AccessLog open(String path, int capacity) throws IOException {
    if ("off".equals(path)) {
      return off();
    }
    LogSink sink = "stdout".equals(path) ? LogSink.stdout() : LogSink.file(Path.of(path));
    return start(LineFormat.tcpLog(), sink, capacity);
  }

  /**
   * Whether lines go anywhere. With {@code off}, callers skip building the record at all: on a
   * connection storm a line nobody reads is still an allocation and a thread's formatting work.
   */
  public boolean enabled() {
    return enabled;
  }

  /** Queues one line; never blocks. */
  public void record(LogRecord record) {
    if (!enabled) {
      return;
    }
    if (closed || !queue.offer(record)) {
      dropped.increment();
    }
  }

  /** Asks the writer to reopen its destination (log rotation); returns at once. */
  public void reopen() {
    if (!enabled) {
      return;
    }
    reopenRequested = true;
    // When the queue is full the writer is busy and sees the flag after its current line.
    queue.offer(WAKE);
  }

  /** Lines written so far. */
  public long written() {
    return written.sum();
  }

  /** Lines dropped: the queue was full, or the destination refused them. */
  public long dropped() {
    return dropped.sum();
  }

  /** Lines waiting for the writer now. */
  public int queued() {
    return queue.size();
  }

  private void drain() {
    StringBuilder line = new StringBuilder(256);
    long nextCheck = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CHECK_MILLIS);
    boolean failing = false;
    try {
      while (true) {
        LogRecord record = queue.poll(CHECK_MILLIS, TimeUnit.MILLISECONDS);
        if (record == POISON) {
          break;
        }
        try {
          if (record != null && record != WAKE) {
            line.setLength(0);
            format.append(line, record);
            sink.write(line);
            written.increment();
          }
          // Flush when the burst is over, not per line: one syscall per burst.
          if (queue.isEmpty()) {
            sink.flush();
          }
          if (reopenRequested) {
            reopenRequested = false;
            sink.reopen();
          }
          if (System.nanoTime() - nextCheck >= 0) {
            nextCheck = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CHECK_MILLIS);
            sink.check();
          }
          failing = false;
        } catch (IOException e) {
          // Disk full, nobody listening for syslog: the line is lost and counted; the next may go.
          if (record != null && record != WAKE) {
            dropped.increment();
          }
          if (!failing) {
            log.warn("access log: {}; dropping lines until it recovers", e.toString());
            failing = true;
          }
        }
      }
      sink.flush();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException e) {
      log.warn("access log: the last lines were lost: {}", e.toString());
    } finally {
      sink.close();
    }
  }

  /** Writes what is queued, then stops the writer. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (!enabled) {
      return;
    }
    try {
      queue.put(POISON);
      writer.join(TimeUnit.SECONDS.toMillis(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
