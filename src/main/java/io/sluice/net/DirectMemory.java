package io.sluice.net;

import io.netty.util.internal.PlatformDependent;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;

/**
 * The direct memory the process holds, as the limits that would throw {@link OutOfMemoryError}
 * count it: the JDK's direct buffers (where Netty's pooled chunks live unless it allocates without
 * cleaners) plus what Netty allocated without cleaners, which the JDK does not see. Both are atomic
 * counters: reading them takes no lock and no system call.
 */
public final class DirectMemory {
  private static final BufferPoolMXBean JDK_DIRECT =
      ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
          .filter(pool -> pool.getName().equals("direct"))
          .findFirst()
          .orElse(null);

  private DirectMemory() {}

  /** Bytes of direct memory in use now. */
  public static long used() {
    long jdk = JDK_DIRECT == null ? 0 : Math.max(0, JDK_DIRECT.getMemoryUsed());
    // -1 when Netty does not count (it then allocates through the JDK, counted above).
    long netty = PlatformDependent.usedDirectMemory();
    return jdk + Math.max(0, netty);
  }

  /** The JVM's direct-memory limit ({@code -XX:MaxDirectMemorySize}, by default the heap size). */
  public static long limit() {
    return PlatformDependent.maxDirectMemory();
  }
}
