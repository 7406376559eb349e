package io.sluice.config;

/**
 * The process-wide budget of buffer memory: the direct memory that Netty's allocator and the JDK's
 * direct buffers hold for every connection's reads and writes. When what is in use reaches {@code
 * budget - reserve}, new work is refused before it costs anything (a prepared 503 on HTTP
 * listeners, a close on the others) and relays hold at most one read each until it falls back; the
 * reserve is left for what is already admitted, Sluice's own answers and the health checks.
 *
 * @param budget direct memory Sluice may use in all; absent: three quarters of the JVM's limit
 *     ({@code -XX:MaxDirectMemorySize}, by default the heap size), read at start
 * @param reserve of the budget, the part new work may not take; absent: an eighth of the budget, at
 *     most 8 MiB
 */
public record BufferMemoryConfig(DataSize budget, DataSize reserve) {
  /** 8 MiB: a few hundred responses in flight, whatever the budget. */
  public static final DataSize MAX_DEFAULT_RESERVE = new DataSize(8L << 20);

  /** 1 MiB: a budget below it would refuse everything a single large read can bring. */
  public static final DataSize MIN_BUDGET = new DataSize(1L << 20);

  public static final BufferMemoryConfig DEFAULT = new BufferMemoryConfig(null, null);

  /** The budget in bytes, given the JVM's direct-memory limit. */
  public long budgetBytes(long directMemoryLimit) {
    return budget != null ? budget.bytes() : directMemoryLimit / 4 * 3;
  }

  /** The reserve in bytes, given the budget in force. */
  public long reserveBytes(long budgetBytes) {
    return reserve != null
        ? reserve.bytes()
        : Math.min(MAX_DEFAULT_RESERVE.bytes(), budgetBytes / 8);
  }
}
