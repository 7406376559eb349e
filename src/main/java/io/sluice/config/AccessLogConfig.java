package io.sluice.config;

/**
 * Where access-log lines go.
 *
 * @param path a file to append to, {@code stdout}, or {@code off}
 * @param queue lines held for the writer thread; when full, lines are dropped and counted rather
 *     than blocking an event loop
 */
public record AccessLogConfig(String path, Integer queue) {
  /** 65,536 lines: about 15 s of a 4k/s storm if the disk stalls, some 10 MiB at most. */
  public static final int DEFAULT_QUEUE = 65_536;

  public static final AccessLogConfig DEFAULT = new AccessLogConfig(null, null);

  public AccessLogConfig {
    path = path == null ? "stdout" : path;
    queue = queue == null ? DEFAULT_QUEUE : queue;
  }
}
