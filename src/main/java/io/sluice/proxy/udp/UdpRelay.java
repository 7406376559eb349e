package io.sluice.proxy.udp;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.EventLoop;
import io.netty.channel.ReflectiveChannelFactory;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.DatagramPacket;
import io.sluice.admission.TokenBucket;
import io.sluice.net.SocketAddresses;
import io.sluice.observe.ConnectionRecord;
import io.sluice.observe.TerminationState;
import io.sluice.pool.Server;
import io.sluice.pool.ServerState;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The datagram relay of one udp listener: its flow table, and the path of each datagram from a
 * client to its flow's server and back.
 *
 * <p>Every socket of the listener, and every flow's server-side socket, lives on one event loop,
 * which owns this relay: the table needs no lock, and a SIP dialog whose messages arrive on
 * different source ports (or on the listener's IPv4 and IPv6 sockets) still finds its one flow.
 * Each flow has its own connected socket towards its server: the server's replies arrive on that
 * socket and need no lookup, its ICMP errors reach that flow alone, and the server sees one source
 * port per flow (what an endpoint expects of a SIP peer). It costs a descriptor per flow, which
 * {@code max_flows} bounds.
 *
 * <p>Per datagram this class allocates nothing: the buffer comes from the preallocated pool, the
 * flow lookup uses the sender's address or a reused Call-ID probe, the PROXY header is written into
 * the buffer's spare room in front of the data. Netty wraps each received datagram in a {@link
 * DatagramPacket} (with the sender's address on the listening socket), and a reply to a client
 * needs one such envelope.
 */
final class UdpRelay {
  private final UdpListenerSettings settings;
  private final EventLoop loop;
  private final UdpStats stats;
  private final FlowTable flows;
  private final List<Server> servers;
  private final TokenBucket[] serverRates;
  private final CallId probe = CallId.probe();

  private final ChannelFactory<? extends DatagramChannel> channels;
  private final DatagramBuffer replyScratch;
  private final long idleNanos;
  private ScheduledFuture<?> sweeper;

  UdpRelay(UdpListenerSettings settings, EventLoop loop, UdpStats stats) {
    this.settings = settings;
    this.loop = loop;
    this.stats = stats;
    this.flows = new FlowTable(settings.maxFlows());
    this.servers = settings.pool().servers();
    this.serverRates = new TokenBucket[servers.size()];
    if (settings.serverRate() > 0) {
      for (int i = 0; i < serverRates.length; i++) {
        serverRates[i] =
            new TokenBucket(
                settings.serverRate(), UdpListenerSettings.burstOf(settings.serverRate()));
      }
    }
    this.channels = new ReflectiveChannelFactory<>(settings.transport().datagramChannel());
    this.replyScratch = settings.buffers().newScratch();
    this.idleNanos = settings.idleTimeout().toNanos();
  }

  String name() {
    return settings.listener();
  }

  /**
   * Starts expiring idle flows: a sweep every quarter of the idle timeout (between 50 ms and one
   * second), so a flow outlives its timeout by at most that much.
   */
  void start() {
    long period = Math.max(50, Math.min(1000, settings.idleTimeout().toMillis() / 4));
    sweeper = loop.scheduleAtFixedRate(this::expireIdle, period, period, TimeUnit.MILLISECONDS);
  }

  /** Ends every flow ({@code KD}); on the loop. */
  void stop() {
    if (sweeper != null) {
      sweeper.cancel(false);
    }
    while (flows.oldest() != null) {
      end(flows.oldest(), TerminationState.KILLED_DURING_DATA);
    }
  }

  void fromClient(Channel front, DatagramPacket packet) {
    ByteBuf data = packet.content();
    if (isScratch(data)) {
      data.release();
      stats.dropped(DropReason.NO_BUFFER);
      return;
    }
    if (data.readableBytes() > settings.maxDatagram()) {
      data.release();
      stats.dropped(DropReason.TOO_BIG);
      return;
    }
    long now = System.nanoTime();
    InetSocketAddress sender = packet.sender();
    Flow flow = flowFor(front, sender, data, now);
    if (flow == null) {
      data.release();
      return;
    }
    if (!admit(flow)) {
      data.release();
      return;
    }
    if (flow.client != sender && !flow.client.equals(sender)) {
      // A SIP dialog's message from another port: replies follow it there.
      flow.client = sender;
      flow.front = front;
      flow.proxyHeader = proxyHeader(flow.server, sender, front);
    }
    flows.touch(flow, now);
    int length = data.readableBytes();
    ByteBuf out = flow.proxyHeader == null ? data : withHeader(data, flow.proxyHeader);
    if (out != null) {
      flow.bytesFromClient += length;
      stats.fromClient(length);
      flow.backend.writeAndFlush(out, flow.backend.voidPromise());
    }
  }

  /**
   * The datagram behind its PROXY header, in a second buffer of the pool (every buffer has room for
   * both): Netty hands a listening socket's datagram over as a slice of its buffer, which cannot
   * grow in front. The datagram was admitted already, so the copy may use the reserve.
   */
  private ByteBuf withHeader(ByteBuf data, byte[] header) {
    DatagramBuffer out = settings.buffers().take(true);
    if (out != null) {
      out.writeBytes(header).writeBytes(data, data.readerIndex(), data.readableBytes());
    } else {
      stats.dropped(DropReason.NO_BUFFER);
    }
    data.release();
    return out;
  }

  /** Whether a read landed in a scratch buffer: the budget was spent, so it is dropped. */
  private static boolean isScratch(ByteBuf data) {
    ByteBuf root = data.unwrap() != null ? data.unwrap() : data;
    return root instanceof DatagramBuffer buffer && buffer.isScratch();
  }

  /** The flow this datagram belongs to, made (or moved) if need be; null when dropped. */
  private Flow flowFor(Channel front, InetSocketAddress sender, ByteBuf data, long now) {
    Object key = sender;
    long hash = sender.getAddress().hashCode() * 0x9E3779B97F4A7C15L;
    if (settings.callIdAffinity()) {
      long found = SipCallId.find(data);
      if (found != SipCallId.NONE) {
        CallId callId = probe.load(data, (int) (found >>> 32), (int) found);
        key = callId;
        hash = callId.spreadHash();
      }
    }
    Flow flow = flows.get(key);
    if (flow == null) {
      return open(key == probe ? probe.copy() : key, hash, front, sender, now);
    }
    if (settings.moveOnServerDown() && isDown(flow.server) && !move(flow)) {
      return null;
    }
    return flow;
  }

  private static boolean isDown(Server server) {
    ServerState state = server.state();
    return state == ServerState.DOWN || state == ServerState.MAINT;
  }

  private boolean admit(Flow flow) {
    if (flow.rate != null && !flow.rate.tryTake()) {
      stats.dropped(DropReason.FLOW_RATE);
      return false;
    }
    TokenBucket serverRate = serverRates[flow.serverIndex];
    if (serverRate != null && !serverRate.tryTake()) {
      stats.dropped(DropReason.SERVER_RATE);
      return false;
    }
    return true;
  }

  private Flow open(Object key, long hash, Channel front, InetSocketAddress sender, long now) {
    Server server = settings.pool().acquire(hash, null);
    if (server == null) {
      stats.dropped(DropReason.NO_SERVER);
      return null;
    }
    if (flows.isFull()) {
      end(flows.oldest(), TerminationState.RESOURCE_LIMIT_DURING_DATA);
    }
    Flow flow = new Flow(key, hash, now);
    flow.client = sender;
    flow.front = front;
    if (settings.flowRate() > 0) {
      flow.rate =
          new TokenBucket(settings.flowRate(), UdpListenerSettings.burstOf(settings.flowRate()));
    }
    if (!connect(flow, server)) {
      return null;
    }
    flows.add(flow);
    stats.flowCreated(flows.size());
    return flow;
  }

  /** Moves {@code flow} off its down server; false (datagram dropped) when no other has room. */
  private boolean move(Flow flow) {
    Server next = settings.pool().acquire(flow.hash, flow.server);
    if (next == null) {
      stats.dropped(DropReason.NO_SERVER);
      return false;
    }
    closeBackend(flow);
    stats.flowMoved();
    if (!connect(flow, next)) {
      flows.remove(flow);
      flow.ended = true;
      stats.flowEnded(TerminationState.SERVER_DOWN_DURING_DATA, flows.size());
      return false;
    }
    return true;
  }

  /**
   * Opens the flow's connected socket to {@code server}, whose slot the caller took. On the loop,
   * registration and a datagram connect complete at once, so the first datagram can follow.
   */
  private boolean connect(Flow flow, Server server) {
    DatagramChannel backend = channels.newChannel();
    backend
        .config()
        .setRecvByteBufAllocator(new BudgetedRecvAllocator(settings.buffers(), true, replyScratch));
    backend.pipeline().addLast(new ServerSide(this, flow));
    flow.server = server;
    flow.serverIndex = servers.indexOf(server);
    flow.backend = backend;
    flow.proxyHeader = proxyHeader(server, flow.client, flow.front);
    loop.register(backend);
    backend.connect((SocketAddress) server.address());
    if (!backend.isActive()) {
      backend.close();
      settings.pool().release(server);
      server.recordFailure();
      stats.dropped(DropReason.SERVER_UNREACHABLE);
      return false;
    }
    return true;
  }

  private static byte[] proxyHeader(Server server, InetSocketAddress client, Channel front) {
    return server.sendProxyV2() && front.localAddress() instanceof InetSocketAddress local
        ? ProxyV2Datagram.header(client, local)
        : null;
  }

  void fromServer(Flow flow, DatagramPacket packet) {
    ByteBuf data = packet.content();
    if (isScratch(data)) {
      data.release();
      stats.dropped(DropReason.NO_BUFFER_REPLY);
      return;
    }
    if (data.readableBytes() > settings.maxDatagram()) {
      data.release();
      stats.dropped(DropReason.TOO_BIG);
      return;
    }
    flows.touch(flow, System.nanoTime());
    if (flow.server.consecutiveFailures() != 0) {
      // An answer ends a run of ICMP errors, as a connection that moved bytes does for TCP.
      flow.server.recordSuccess();
    }
    int length = data.readableBytes();
    flow.bytesToClient += length;
    stats.toClient(length);
    flow.front.writeAndFlush(new DatagramPacket(data, flow.client), flow.front.voidPromise());
  }

  /** The server's socket reported an error: ICMP unreachable, most often. */
  void serverFailed(Flow flow) {
    stats.dropped(DropReason.SERVER_UNREACHABLE);
    flow.server.recordFailure();
  }

  private void expireIdle() {
    long now = System.nanoTime();
    Flow oldest;
    while ((oldest = flows.oldest()) != null && now - oldest.lastActiveNanos >= idleNanos) {
      end(oldest, TerminationState.NORMAL);
    }
  }

  private void end(Flow flow, TerminationState state) {
    flows.remove(flow);
    flow.ended = true;
    closeBackend(flow);
    stats.flowEnded(state, flows.size());
    if (settings.accessLog().enabled()) {
      settings
          .accessLog()
          .record(
              new ConnectionRecord(
                  flow.startEpochMillis,
                  SocketAddresses.format(flow.client),
                  settings.listener(),
                  settings.pool().name(),
                  flow.server.name(),
                  -1,
                  -1,
                  TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - flow.startNanos),
                  flow.bytesFromClient,
                  flow.bytesToClient,
                  state,
                  null));
    }
  }

  private void closeBackend(Flow flow) {
    flow.backend.close();
    settings.pool().release(flow.server);
  }

  /** Flows held now; on the loop. */
  int flowCount() {
    return flows.size();
  }
}
