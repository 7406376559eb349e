package io.sluice.observe;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * One line per finished connection, written by its own thread so that an event loop never waits for
 * a disk.
 *
 * <p>Threads: any event loop calls {@link #record}; it only offers to a bounded queue, and when the
 * queue is full the line is dropped and counted ({@link #dropped()}), never blocking. The writer
 * thread is the only one that formats and writes. {@link #close()} is called once, by the thread
 * stopping the process, and drains what is queued.
 */
public final class AccessLog implements AutoCloseable {
  private static final ConnectionRecord POISON =
      new ConnectionRecord(0, "", "", "", "", 0, 0, 0, 0, 0, TerminationState.NORMAL, null);

  private final BlockingQueue<Record> queue;
  private final Writer out;
  private final Thread writer;
  private final LongAdder written = new LongAdder();
  private final LongAdder dropped = new LongAdder();
  private volatile boolean closed;
  private final boolean enabled;

  private AccessLog(int capacity, Writer out, boolean enabled) {
    this.queue = new ArrayBlockingQueue<>(capacity);
    this.out = out;
    this.enabled = enabled;
    this.writer = new Thread(this::drain, "sluice-access-log");
    this.writer.setDaemon(true);
    this.writer.start();
  }

  /**
   * Opens the log described by {@code path}: {@code stdout}, {@code off}, or a file appended to.
   */
  public static AccessLog open(String path, int capacity) throws IOException {
    Writer out;
    if ("off".equals(path)) {
      out = Writer.nullWriter();
    } else if ("stdout".equals(path)) {
      out = new OutputStreamWriter(System.out, StandardCharsets.UTF_8);
    } else {
      out =
          Files.newBufferedWriter(
              Path.of(path),
              StandardCharsets.UTF_8,
              StandardOpenOption.CREATE,
              StandardOpenOption.APPEND);
    }
    return new AccessLog(
        capacity,
        out instanceof BufferedWriter ? out : new BufferedWriter(out),
        !"off".equals(path));
  }

  /**
   * Whether lines go anywhere. With {@code off}, callers skip building the record at all: on a
   * connection storm a line nobody reads is still an allocation and a thread's formatting work.
   */
  public boolean enabled() {
    return enabled;
  }

  /** Queues one line; never blocks. */
  public void record(ConnectionRecord record) {
    if (!enabled) {
      return;
    }
    if (closed || !queue.offer(record)) {
      dropped.increment();
    }
  }

  /** Queues one HTTP line; never blocks. */
  public void record(HttpRecord record) {
    if (!enabled) {
      return;
    }
    if (closed || !queue.offer(record)) {
      dropped.increment();
    }
  }

  /** Lines written so far. */
  public long written() {
    return written.sum();
  }

  /** Lines dropped because the writer could not keep up. */
  public long dropped() {
    return dropped.sum();
  }

  private void drain() {
    StringBuilder line = new StringBuilder(256);
    try {
      while (true) {
        Record record = queue.take();
        if (record == POISON) {
          break;
        }
        writeLine(line, record);
        // Flush when the burst is over, not per line: one syscall per burst.
        if (queue.isEmpty()) {
          out.flush();
        }
      }
      out.flush();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException e) {
      // The sink is gone (disk full, pipe closed): keep consuming so producers never notice.
      while (!Thread.currentThread().isInterrupted()) {
        if (queue.poll() == POISON) {
          break;
        }
        dropped.increment();
      }
    }
  }

  private void writeLine(StringBuilder line, Record record) throws IOException {
    line.setLength(0);
    if (record instanceof HttpRecord http) {
      AccessLogFormat.httpLog(line, http);
    } else {
      AccessLogFormat.tcpLog(line, (ConnectionRecord) record);
    }
    line.append('\n');
    out.append(line);
    written.increment();
  }

  /** Writes what is queued, then stops the writer. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      queue.put(POISON);
      writer.join(TimeUnit.SECONDS.toMillis(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
