package io.sluice.runtime;

import io.sluice.config.Config;
import io.sluice.config.ListenerConfig;
import io.sluice.config.Protocol;
import io.sluice.config.SpliceMode;
import io.sluice.net.Transport;
import java.lang.management.ManagementFactory;

/**
 * How the open-files limit is shared out at start when the configuration leaves it to Sluice: two
 * descriptors per relayed connection (client and server), two per pipe, and a reserve for
 * listeners, logs and health checks.
 *
 * <p>Pipes hold a quarter of the connections' share: half as many pipes as connections, two per
 * spliced connection, so a quarter of the connections may be spliced at once (HAProxy's {@code
 * maxpipes} defaults to the same quarter). A process that cannot splice keeps every descriptor for
 * connections.
 */
final class DescriptorShares {
  private static final long RESERVE = 256;

  private DescriptorShares() {}

  /** The configured process-wide connection limit, or one derived from the open-files limit. */
  static int maxConnections(Config config, Transport transport) {
    if (config.maxConnections() != null) {
      return config.maxConnections();
    }
    long files = openFilesLimit();
    if (files <= 0) {
      return ListenerConfig.DEFAULT_MAX_CONNECTIONS;
    }
    long perConnection = maySplice(config, transport) ? 3 : 2;
    return (int) Math.max(1, Math.min(Integer.MAX_VALUE, (files - RESERVE) / perConnection));
  }

  /**
   * The configured {@code max_pipes}, or half of {@code maxConnections} when splicing can happen.
   */
  static int maxPipes(Config config, Transport transport, int maxConnections) {
    if (config.maxPipes() != null) {
      return config.maxPipes();
    }
    return maySplice(config, transport) ? maxConnections / 2 : 0;
  }

  /** Whether some tcp listener of the starting configuration splices on this transport. */
  static boolean maySplice(Config config, Transport transport) {
    return transport == Transport.EPOLL
        && config.listeners().stream()
            .anyMatch(l -> l.protocol() == Protocol.TCP && l.splice() == SpliceMode.AUTO);
  }

  private static long openFilesLimit() {
    if (ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.UnixOperatingSystemMXBean unix) {
      return unix.getMaxFileDescriptorCount();
    }
    return 0;
  }
}
