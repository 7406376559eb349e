package io.sluice.bench;

import io.sluice.balance.Balancer;
import io.sluice.balance.BoundedLoadConsistentHash;
import io.sluice.balance.Closest;
import io.sluice.balance.FirstAvailable;
import io.sluice.balance.LeastConnections;
import io.sluice.balance.PowerOfTwoChoices;
import io.sluice.balance.ServerView;
import io.sluice.balance.SmoothWeightedRoundRobin;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The pick path of every balancer over 3, 30 and 300 servers with uneven load, a tenth of them
 * full. Run with {@code -prof gc}: a pick must allocate nothing.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class BalancerPickBenchmark {
  @Param({"3", "30", "300"})
  int servers;

  @Param({"round_robin", "least_conn", "p2c", "first", "source_hash", "closest"})
  String balance;

  private Table table;
  private Balancer balancer;
  private long hash;

  @Setup(Level.Trial)
  public void setUp() {
    table = new Table(servers);
    balancer =
        switch (balance) {
          case "round_robin" -> new SmoothWeightedRoundRobin(table);
          case "least_conn" -> new LeastConnections();
          case "p2c" -> new PowerOfTwoChoices();
          case "first" -> new FirstAvailable();
          case "source_hash" -> BoundedLoadConsistentHash.factory(1.25).create(table);
          case "closest" -> new Closest();
          default -> throw new IllegalArgumentException(balance);
        };
  }

  @Benchmark
  public int pick() {
    hash += 0x9E3779B97F4A7C15L;
    int server = balancer.pick(table, hash, Balancer.NONE);
    table.churn(server);
    return server;
  }

  /** Servers with weights 1-3, loads 0-99, every tenth full; each pick moves one connection. */
  static final class Table implements ServerView {
    private final int[] weights;
    private final int[] active;
    private final boolean[] room;
    private final long[] keys;
    private int cursor;

    Table(int size) {
      SplittableRandom random = new SplittableRandom(42);
      weights = new int[size];
      active = new int[size];
      room = new boolean[size];
      keys = new long[size];
      for (int i = 0; i < size; i++) {
        weights[i] = 1 + random.nextInt(3);
        active[i] = random.nextInt(100);
        room[i] = size < 10 || i % 10 != 0;
        keys[i] = random.nextLong();
      }
    }

    /** The picked server gains a connection and another one loses one: load stays steady. */
    void churn(int picked) {
      if (picked >= 0) {
        active[picked]++;
      }
      cursor = cursor + 1 == active.length ? 0 : cursor + 1;
      if (active[cursor] > 0) {
        active[cursor]--;
      }
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
    public long latencyNanos(int server) {
      return 1_000_000L + server * 1_000L;
    }

    @Override
    public long key(int server) {
      return keys[server];
    }
  }
}
