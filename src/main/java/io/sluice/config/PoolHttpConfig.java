package io.sluice.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Duration;

/**
 * How an L7 listener talks to this pool's servers.
 *
 * @param protocol HTTP/1.1, HTTP/2, or whatever the client spoke
 * @param maxIdlePerServer idle keep-alive connections kept per server on each event loop
 * @param idleTimeout how long an idle server connection is kept; below the servers' own keep-alive
 *     timeout, so Sluice closes first and never writes into a closing connection
 * @param fullStatus a response status by which a server says it is full: the request is replayed on
 *     another server instead of answered; absent: none
 * @param fullHeader a response header by which a server says it is full (any value); absent: none
 * @param capacityHeader a response header by which a server says how many requests it can take at
 *     once ({@code Sluice-Capacity: 20}): the server's limit is set to it, within its bounds
 */
public record PoolHttpConfig(
    ServerProtocol protocol,
    Integer maxIdlePerServer,
    Duration idleTimeout,
    Integer fullStatus,
    String fullHeader,
    String capacityHeader) {
  /**
   * 1,024 per loop: at least as many as requests in flight to one server, or every request beyond
   * the kept ones opens a connection (100 concurrent HTTP/2 streams with 64 kept ran at 0.4 of the
   * rate with 512); unused ones close after {@link #DEFAULT_IDLE_TIMEOUT}.
   */
  public static final int DEFAULT_MAX_IDLE_PER_SERVER = 1024;

  /** 30 s: under nginx's 75 s and HAProxy's and Node's defaults. */
  public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(30);

  public static final PoolHttpConfig DEFAULT =
      new PoolHttpConfig(null, null, null, null, null, null);

  /** Named for the project so it never collides with an application's own header. */
  public static final String DEFAULT_CAPACITY_HEADER = "sluice-capacity";

  public PoolHttpConfig {
    protocol = protocol == null ? ServerProtocol.H1 : protocol;
    maxIdlePerServer = maxIdlePerServer == null ? DEFAULT_MAX_IDLE_PER_SERVER : maxIdlePerServer;
    idleTimeout = idleTimeout == null ? DEFAULT_IDLE_TIMEOUT : idleTimeout;
    capacityHeader = capacityHeader == null ? DEFAULT_CAPACITY_HEADER : capacityHeader;
  }

  /** The HTTP version spoken to servers. */
  public enum ServerProtocol {
    @JsonProperty("h1")
    H1,
    @JsonProperty("h2")
    H2,
    @JsonProperty("same_as_client")
    SAME_AS_CLIENT
  }
}
