package io.sluice.config;

import java.time.Duration;
import java.util.List;

/**
 * A named group of servers and how connections are spread over them.
 *
 * @param name unique among pools
 * @param balance the algorithm choosing a server
 * @param servers the servers, at least one
 * @param timeouts connect timeout towards servers
 */
public record PoolConfig(
    String name, Balance balance, List<ServerConfig> servers, PoolTimeouts timeouts) {

  public PoolConfig {
    balance = balance == null ? Balance.ROUND_ROBIN : balance;
    servers = servers == null ? List.of() : List.copyOf(servers);
    timeouts = timeouts == null ? PoolTimeouts.DEFAULT : timeouts;
  }

  /** Timeouts towards this pool's servers. */
  public record PoolTimeouts(Duration connect) {
    /**
     * One second: a server on the same network answers a SYN in well under a millisecond; a server
     * that has not answered in a second is better retried elsewhere.
     */
    public static final Duration DEFAULT_CONNECT = Duration.ofSeconds(1);

    public static final PoolTimeouts DEFAULT = new PoolTimeouts(null);

    public PoolTimeouts {
      connect = connect == null ? DEFAULT_CONNECT : connect;
    }
  }
}
