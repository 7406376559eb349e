package io.sluice.observe;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;

/**
 * Where access-log lines go. Used by the log writer's thread only, so implementations need no
 * locking; a sink may block that thread (a slow disk) but never an event loop.
 */
public interface LogSink extends AutoCloseable {
  /** Writes one line; {@code line} has no newline. */
  void write(CharSequence line) throws IOException;

  /** Pushes buffered lines out; called when a burst of lines is over. */
  void flush() throws IOException;

  /** Opens the destination again (after {@code SIGUSR1}, once logrotate has moved the file). */
  default void reopen() throws IOException {}

  /** A cheap periodic check, about once a second: a file sink reopens a moved or deleted file. */
  default void check() throws IOException {}

  @Override
  void close();

  /** Appends to {@code path}, creating it when missing. */
  static LogSink file(Path path) throws IOException {
    return new FileSink(path);
  }

  /** The process's standard output. */
  static LogSink stdout() {
    return new StdoutSink();
  }

  /**
   * RFC 5424 messages over UDP (RFC 5426) to {@code address}.
   *
   * @param facility the syslog facility code, 0 (kern) to 23 (local7)
   */
  static LogSink syslog(InetSocketAddress address, int facility) throws IOException {
    return new SyslogSink(address, facility);
  }
}
