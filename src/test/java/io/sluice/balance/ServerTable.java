package io.sluice.balance;

import java.util.Arrays;

/**
 * A pool's servers as plain arrays, for balancer tests: weights, room, active counts and keys, each
 * settable. {@link #take} plays what the pool does after a pick.
 */
final class ServerTable implements ServerView {
  final int[] weights;
  final boolean[] room;
  final int[] active;
  final int[] remote;
  final long[] keys;

  private ServerTable(int[] weights) {
    this.weights = weights;
    this.room = new boolean[weights.length];
    this.active = new int[weights.length];
    this.remote = new int[weights.length];
    this.keys = new long[weights.length];
    Arrays.fill(room, true);
    for (int i = 0; i < keys.length; i++) {
      keys[i] = ("10.0.0." + i + ":22").hashCode() * 0x9E3779B97F4A7C15L;
    }
  }

  static ServerTable weights(int... weights) {
    return new ServerTable(weights);
  }

  static ServerTable equal(int count) {
    int[] weights = new int[count];
    Arrays.fill(weights, 1);
    return new ServerTable(weights);
  }

  /** Counts a connection on the picked server, as the pool does. */
  int take(int server) {
    if (server != Balancer.NONE) {
      active[server]++;
    }
    return server;
  }

  @Override
  public int size() {
    return weights.length;
  }

  @Override
  public int weight(int server) {
    return weights[server];
  }

  @Override
  public boolean hasRoom(int server) {
    return room[server];
  }

  @Override
  public int active(int server) {
    return active[server];
  }

  @Override
  public int remoteActive(int server) {
    return remote[server];
  }

  final long[] latency = new long[64];

  @Override
  public long latencyNanos(int server) {
    return server < latency.length ? latency[server] : 0;
  }

  @Override
  public long key(int server) {
    return keys[server];
  }
}
