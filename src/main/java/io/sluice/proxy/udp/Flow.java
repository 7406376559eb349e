package io.sluice.proxy.udp;

import io.netty.channel.Channel;
import io.sluice.admission.TokenBucket;
import io.sluice.pool.Server;
import java.net.InetSocketAddress;

/**
 * One flow: a client (by address, or a SIP dialog by Call-ID) bound to one server through one
 * connected datagram socket of its own, so the server's replies need no lookup and its ICMP errors
 * reach this flow alone.
 *
 * <p>Threads: owned by its listener's event loop; nothing else reads or writes it.
 */
final class Flow {
  final Object key;
  final long hash;
  final long startEpochMillis = System.currentTimeMillis();
  final long startNanos;

  /** Where replies go: the latest source address of the flow's datagrams, and its socket. */
  InetSocketAddress client;

  Channel front;
  Server server;
  int serverIndex;
  Channel backend;

  /** PROXY v2 header for the current client and listener address; null when not sent. */
  byte[] proxyHeader;

  TokenBucket rate;
  long lastActiveNanos;
  long bytesFromClient;
  long bytesToClient;
  boolean ended;

  /** Neighbours in the table's order of activity: {@code older} was active less recently. */
  Flow older;

  Flow newer;

  Flow(Object key, long hash, long nowNanos) {
    this.key = key;
    this.hash = hash;
    this.startNanos = nowNanos;
    this.lastActiveNanos = nowNanos;
  }
}
