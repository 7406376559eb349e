package io.sluice.proxy.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.ImmediateEventExecutor;
import io.sluice.admission.BufferMemory;
import io.sluice.balance.SmoothWeightedRoundRobin;
import io.sluice.net.Transport;
import io.sluice.observe.AccessLog;
import io.sluice.observe.TerminationState;
import io.sluice.pool.Pool;
import io.sluice.pool.RetryBudget;
import io.sluice.pool.Server;
import io.sluice.testing.TrackingAllocator;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A TCP listener's real pipeline ({@link TcpProxyInitializer}) on an embedded channel, for fuzzing
 * what it reads before it connects anywhere. Its pools have one server, always full: a connection
 * that gets as far as choosing one waits in the pool's queue, keeping what the client sends for the
 * server, until the client leaves ({@code CQ}).
 */
final class TcpFuzzBed {
  static final InetSocketAddress CLIENT = new InetSocketAddress("127.0.0.1", 40000);
  static final InetSocketAddress LISTENER = new InetSocketAddress("127.0.0.1", 8443);

  /**
   * The embedded loop runs a timer whose time came at its next task: timeouts longer than any run,
   * so a slow machine cannot turn a client that leaves into one that timed out.
   */
  private static final Duration NEVER = Duration.ofHours(1);

  /** How one connection went: its session, and how it ended. */
  record Outcome(TcpSession session, TerminationState state, long bytesFromClient) {}

  private final TrackingAllocator alloc = new TrackingAllocator();
  private final boolean acceptProxy;
  private final SniRoutes sniRoutes;
  private final ClientTls tls;
  private final Pool pool = fullPool("listener-pool");

  TcpFuzzBed(boolean acceptProxy, SniRoutes sniRoutes, ClientTls tls) {
    this.acceptProxy = acceptProxy;
    this.sniRoutes = sniRoutes;
    this.tls = tls;
  }

  static Pool fullPool(String name) {
    Server full = new Server(name + "-server", null, 1, 1, false, false);
    assertThat(full.tryTake()).isTrue();
    return new Pool(
        name,
        List.of(full),
        SmoothWeightedRoundRobin::new,
        Duration.ofSeconds(1),
        16,
        NEVER,
        0,
        new RetryBudget(0.2, 10));
  }

  Pool pool() {
    return pool;
  }

  /**
   * Delivers {@code input} in pieces of the sizes given (cycled), then closes the client's side;
   * checks that the connection ended exactly once, that nothing escaped the pipeline and that every
   * buffer was released.
   */
  Outcome run(byte[] input, int[] pieces) {
    RelayStats stats = new RelayStats();
    TcpListenerContext context =
        new TcpListenerContext(
            "fuzz",
            sniRoutes != null ? sniRoutes.poolFor(null) : pool,
            acceptProxy,
            NEVER,
            Duration.ofMinutes(5),
            Transport.NIO,
            AccessLog.off(),
            new DefaultChannelGroup(ImmediateEventExecutor.INSTANCE),
            stats,
            tls,
            sniRoutes,
            Map.of(),
            null,
            new BufferMemory(Long.MAX_VALUE, 0, () -> 0L));
    EmbeddedChannel client = new ClientChannel();
    client.config().setAllocator(alloc);
    client.config().setAutoRead(false);
    client.pipeline().addLast(new TcpProxyInitializer(context));
    TcpSession session = client.attr(TcpProxyInitializer.SESSION).get();
    int offset = 0;
    for (int i = 0; offset < input.length && client.isOpen(); i++) {
      int length = Math.min(pieces[i % pieces.length], input.length - offset);
      client.writeInbound(alloc.buffer(length).writeBytes(input, offset, length));
      client.runPendingTasks();
      offset += length;
    }
    client.finishAndReleaseAll();
    client.checkException();
    alloc.assertAllReleased("a connection that sent " + input.length + " bytes");
    Map<TerminationState, Long> ended = stats.terminations().snapshot();
    long total = ended.values().stream().mapToLong(Long::longValue).sum();
    assertThat(total).as("sessions ended: " + ended).isEqualTo(1);
    TerminationState state =
        ended.entrySet().stream().filter(e -> e.getValue() > 0).findFirst().orElseThrow().getKey();
    return new Outcome(session, state, stats.bytesFromClients());
  }

  /** An accepted connection from {@link #CLIENT} to {@link #LISTENER}. */
  private static final class ClientChannel extends EmbeddedChannel {
    @Override
    protected SocketAddress localAddress0() {
      return LISTENER;
    }

    @Override
    protected SocketAddress remoteAddress0() {
      return CLIENT;
    }
  }
}
