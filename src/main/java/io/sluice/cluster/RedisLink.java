package io.sluice.cluster;

import java.util.List;
import java.util.Map;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.exceptions.JedisException;

/**
 * One connection to the fleet's Redis, opened on first use and dropped after any failure, with
 * connect and read timeouts so that no call waits longer than {@code cluster.timeout}.
 *
 * <p>Threads: the fleet thread only (a Jedis connection is not thread-safe).
 */
final class RedisLink implements AutoCloseable {
  private final HostAndPort address;
  private final DefaultJedisClientConfig clientConfig;
  private Jedis jedis;

  RedisLink(String hostPort, int timeoutMillis, String clientName) {
    int colon = hostPort.lastIndexOf(':');
    String host = hostPort.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    this.address = new HostAndPort(host, Integer.parseInt(hostPort.substring(colon + 1)));
    this.clientConfig =
        DefaultJedisClientConfig.builder()
            .connectionTimeoutMillis(timeoutMillis)
            .socketTimeoutMillis(timeoutMillis)
            .clientName(clientName)
            .build();
  }

  /** Runs a Lua script; any Redis or network failure drops the connection and is rethrown. */
  Object eval(String script, List<String> keys, List<String> args) {
    try {
      return connection().eval(script, keys, args);
    } catch (JedisException e) {
      close();
      throw e;
    }
  }

  /** Every field of each hash, in one round trip; an expired hash reads as an empty map. */
  List<Map<String, String>> hashes(List<String> keys) {
    try {
      Pipeline pipeline = connection().pipelined();
      List<Response<Map<String, String>>> responses = new java.util.ArrayList<>(keys.size());
      for (String key : keys) {
        responses.add(pipeline.hgetAll(key));
      }
      pipeline.sync();
      List<Map<String, String>> hashes = new java.util.ArrayList<>(keys.size());
      for (Response<Map<String, String>> response : responses) {
        hashes.add(response.get());
      }
      return hashes;
    } catch (JedisException e) {
      close();
      throw e;
    }
  }

  String address() {
    return address.toString();
  }

  private Jedis connection() {
    if (jedis == null) {
      Jedis opened = new Jedis(address, clientConfig);
      try {
        opened.connect();
      } catch (JedisException e) {
        opened.close();
        throw e;
      }
      jedis = opened;
    }
    return jedis;
  }

  @Override
  public void close() {
    if (jedis != null) {
      try {
        jedis.close();
      } catch (JedisException e) {
        // Already broken; nothing more to release.
      }
      jedis = null;
    }
  }
}
