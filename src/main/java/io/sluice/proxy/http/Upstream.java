package io.sluice.proxy.http;

import io.sluice.config.PoolHttpConfig;
import io.sluice.net.Transport;
import io.sluice.pool.Pool;
import java.time.Duration;

/**
 * A pool as HTTP listeners use it: its servers and limits, how to reach them over HTTP, when a
 * request may be replayed on another server, and the keep-alive connections to its servers.
 *
 * <p>Threads: immutable but for {@link BackendConnections}, which keeps one idle set per event
 * loop.
 */
public final class Upstream {
  private final Pool pool;
  private final PoolHttpConfig http;
  private final Duration responseTimeout;
  private final long maxReplayBody;
  private final boolean replayNonIdempotent;
  private final BackendConnections connections;
  private final H2Connections h2;

  /**
   * @param maxReplayBody the largest request body kept for a replay
   * @param replayNonIdempotent whether non-idempotent requests are replayed after they may have
   *     reached a server
   */
  public Upstream(
      Pool pool,
      PoolHttpConfig http,
      Duration responseTimeout,
      long maxReplayBody,
      boolean replayNonIdempotent,
      Transport transport) {
    this.pool = pool;
    this.http = http;
    this.responseTimeout = responseTimeout;
    this.maxReplayBody = maxReplayBody;
    this.replayNonIdempotent = replayNonIdempotent;
    this.connections =
        new BackendConnections(
            transport, pool.connectTimeout(), http.maxIdlePerServer(), http.idleTimeout());
    this.h2 = new H2Connections(transport, pool.connectTimeout());
  }

  /** Whether a request from a client speaking HTTP/2 ({@code clientH2}) goes over HTTP/2. */
  boolean speaksH2(boolean clientH2) {
    return switch (http.protocol()) {
      case H1 -> false;
      case H2 -> true;
      case SAME_AS_CLIENT -> clientH2;
    };
  }

  H2Connections h2() {
    return h2;
  }

  public Pool pool() {
    return pool;
  }

  Duration responseTimeout() {
    return responseTimeout;
  }

  long maxReplayBody() {
    return maxReplayBody;
  }

  boolean replayNonIdempotent() {
    return replayNonIdempotent;
  }

  BackendConnections connections() {
    return connections;
  }

  /**
   * The capacity a response head states ({@code Sluice-Capacity: N}), or -1 when it states none or
   * something that is not a positive number.
   */
  int statedCapacity(io.netty.handler.codec.http.HttpResponse response) {
    String value = response.headers().get(http.capacityHeader());
    if (value == null) {
      return -1;
    }
    int capacity = 0;
    int length = value.length();
    if (length == 0 || length > 9) {
      return -1;
    }
    for (int i = 0; i < length; i++) {
      char c = value.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      capacity = capacity * 10 + (c - '0');
    }
    return capacity > 0 ? capacity : -1;
  }

  /** Whether a response head says the server is full: replay the request elsewhere. */
  boolean saysFull(io.netty.handler.codec.http.HttpResponse response) {
    Integer status = http.fullStatus();
    String header = http.fullHeader();
    if (status != null && response.status().code() == status) {
      return header == null || response.headers().contains(header);
    }
    return status == null && header != null && response.headers().contains(header);
  }
}
