package io.sluice.proxy.tcp;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.haproxy.HAProxyMessageEncoder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import io.netty.util.concurrent.ScheduledFuture;
import io.sluice.net.Listener;
import io.sluice.net.SocketAddresses;
import io.sluice.observe.ConnectionRecord;
import io.sluice.observe.TerminationState;
import io.sluice.pool.Assignment;
import io.sluice.pool.Pool;
import io.sluice.pool.Server;
import io.sluice.pool.Waiter;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.channels.NotYetConnectedException;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection relayed to one server: its state from accept to the access-log line.
 *
 * <p>On TLS listeners the session waits for the client's handshake before it chooses a server, and
 * relays the decrypted bytes. A plain session that turns out to be a bulk transfer moves to a
 * {@link SpliceRelay} where the listener allows it.
 *
 * <p>Threads: everything runs on the client channel's event loop; the server connection is opened
 * on the same loop, so no field needs a fence. Invariants: the server slot is taken at most once
 * and released exactly once; {@link #end} runs once and decides the termination state; after it,
 * nothing is relayed.
 */
final class TcpSession implements ChannelFutureListener, Runnable, Waiter {
  private static final Logger log = LoggerFactory.getLogger(TcpSession.class);
  private static final String NO_SERVER = "<NOSRV>";

  /**
   * Bytes relayed by copying before a session moves to splice: 64 KiB is past any protocol's
   * opening (and past the 16 KiB a retry replays), so a connection that sends a request and reads a
   * small answer never pays for pipes and the switch, while a transfer of megabytes copies a few
   * percent.
   */
  static final long SPLICE_AFTER_BYTES = 64 * 1024;

  private static final AtomicIntegerFieldUpdater<TcpSession> WAITING =
      AtomicIntegerFieldUpdater.newUpdater(TcpSession.class, "waiting");

  private final TcpListenerContext context;
  private final Channel client;
  private final long acceptNanos = System.nanoTime();
  private final long acceptEpochMillis = System.currentTimeMillis();
  private SocketAddress clientAddress;
  private SocketAddress destinationAddress;

  private Channel backend;

  /** The listener's pool, or the one the ClientHello's server name routed to. */
  private Pool pool;

  private Server server;
  private int retries;

  /** The servers this connection failed on, one bit per server index (see Pool.bitOf). */
  private long triedServers;

  private long queuedAtNanos = -1;
  private long queueMillis = -1;

  /** 1 while in the pool's queue; whoever moves it to 0 decides the outcome (slot or timeout). */
  private volatile int waiting;

  private long connectStartNanos;
  private long connectedNanos = -1;
  private CompositeByteBuf early;
  private boolean clientFinBeforeConnect;

  /** The client's opening, kept until the server answers, for a retry elsewhere. */
  private final ReplayBuffer replay;

  private boolean clientInputShut;
  private boolean backendInputShut;
  private long bytesFromClient;
  private long bytesToClient;
  private long maxQueuedBytes;

  /** TLS listeners: the handshake's outcome for the log line, and the client's certificate. */
  private boolean awaitingHandshake;

  private String tlsSummary;
  private X509Certificate clientCertificate;
  private boolean tlsResumed;
  private ClientTlsFacts clientTlsFacts;

  /** Pools with TLS to their servers: the pool's TLS, and why the last handshake failed. */
  private ServerTls serverTls;

  private String serverTlsFailure;

  private ScheduledFuture<?> timer;
  private IdleProgress idleProgress;
  private boolean ended;

  /** Whether this session may still move to splice: plain both ways, on sockets that allow it. */
  private boolean mayStillSplice;

  /** Set from the moment the move to splice begins; null while copying. */
  private SpliceRelay splice;

  private final ChannelFutureListener shutdownBackendOutput = f -> shutdownOutput(false);
  private final ChannelFutureListener shutdownClientOutput = f -> shutdownOutput(true);
  private final ChannelFutureListener outputShut = f -> finishIfBothDone();
  private final ChannelFutureListener resumeClientRead = f -> resumeReading(true);
  private final ChannelFutureListener resumeBackendRead = f -> resumeReading(false);

  TcpSession(TcpListenerContext context, Channel client) {
    this.context = context;
    this.client = client;
    this.clientAddress = client.remoteAddress();
    this.replay = new ReplayBuffer(client.alloc());
    this.pool = context.pool();
    this.destinationAddress = client.localAddress();
  }

  TcpListenerContext context() {
    return context;
  }

  /** The addresses an accepted PROXY header named: from now on they stand for the socket's. */
  void proxiedAddresses(SocketAddress source, SocketAddress destination) {
    this.clientAddress = source;
    this.destinationAddress = destination;
  }

  /** Who the client is: the socket's peer, or the PROXY header's source once one was read. */
  SocketAddress clientAddress() {
    return clientAddress;
  }

  /** Where the client connected: the listener's address, or the PROXY header's destination. */
  SocketAddress destinationAddress() {
    return destinationAddress;
  }

  /** The pool connections go to: the listener's, or the one the ClientHello routed to. */
  Pool pool() {
    return pool;
  }

  /** Routes the connection to {@code chosen} instead of the listener's pool; before start(). */
  void usePool(Pool chosen) {
    this.pool = chosen;
  }

  /** Waits for the ClientHello of a passed-through TLS connection, within the header timeout. */
  void awaitClientHello() {
    awaitProxyHeader();
  }

  /** Waits for the PROXY header, within the listener's header timeout. */
  void awaitProxyHeader() {
    timer =
        client
            .eventLoop()
            .schedule(this, context.proxyHeaderTimeout().toNanos(), TimeUnit.NANOSECONDS);
    client.read();
  }

  /** Waits for the client's TLS handshake, within the listener's handshake timeout. */
  void awaitTlsHandshake() {
    cancelTimer();
    awaitingHandshake = true;
    timer =
        client
            .eventLoop()
            .schedule(this, context.tls().handshakeTimeout().toNanos(), TimeUnit.NANOSECONDS);
    client.read();
  }

  /** The handshake succeeded: what the log line says of it. */
  void tlsEstablished(String protocol, boolean resumed, X509Certificate certificate) {
    awaitingHandshake = false;
    clientCertificate = certificate;
    tlsResumed = resumed;
    String summary = protocol + (resumed ? "/resumed" : "/full");
    tlsSummary =
        certificate == null
            ? summary
            : summary + " \"" + certificate.getSubjectX500Principal().getName() + "\"";
  }

  /** The handshake failed: ends the session with the TLS reason in the log line. */
  void tlsFailed(TerminationState state, String reason, Throwable cause) {
    if (!ended) {
      awaitingHandshake = false;
      tlsSummary = "!" + reason;
      end(state, cause);
    }
  }

  /**
   * The certificate the client presented in its TLS handshake (verified against the client CAs
   * unless {@code request} accepts any), or {@code null}; for forwarding to servers that read it.
   */
  X509Certificate clientCertificate() {
    return clientCertificate;
  }

  /**
   * The client's TLS session as a PROXY v2 header describes it, for servers that get one; made once
   * per connection, on the first such server, while the TLS handler still holds the session.
   */
  private ClientTlsFacts clientTlsFacts() {
    if (context.tls() == null || !server.sendProxyV2()) {
      return null;
    }
    if (clientTlsFacts == null) {
      SslHandler ssl = client.pipeline().get(SslHandler.class);
      if (ssl != null) {
        clientTlsFacts = context.tls().facts(ssl.engine(), tlsResumed, clientCertificate);
      }
    }
    return clientTlsFacts;
  }

  /** Chooses a server and connects to it on this event loop; nothing once the session ended. */
  void start() {
    if (ended) {
      // A slot taken now would never be given back: end() has run.
      return;
    }
    cancelTimer();
    pool.retryBudget().recordRequest();
    connect(null);
  }

  /** Takes a slot on a server other than {@code avoid} (when possible), or queues for one. */
  private void connect(Server avoid) {
    Server chosen = pool.acquire(clientHash(), avoid, triedServers);
    if (chosen != null) {
      queueMillis = Math.max(queueMillis, 0);
      chosen.stats().queueWait(0);
      connectTo(chosen);
      return;
    }
    queuedAtNanos = System.nanoTime();
    waiting = 1;
    Assignment assignment = pool.enqueue(this);
    if (assignment != Assignment.QUEUED) {
      waiting = 0;
      queuedAtNanos = -1;
    }
    switch (assignment) {
      case QUEUED -> {
        timer = client.eventLoop().schedule(this, pool.queueTimeoutNanos(), TimeUnit.NANOSECONDS);
      }
      case FULL -> end(TerminationState.RESOURCE_LIMIT_DURING_QUEUE, null);
      case NO_SERVER -> end(TerminationState.SERVER_REFUSED_DURING_CONNECT, null);
    }
  }

  /** A slot freed on another connection's thread, offered while this one waits in the queue. */
  @Override
  public boolean offer(Server slot) {
    if (!WAITING.compareAndSet(this, 1, 0)) {
      return false;
    }
    client.eventLoop().execute(new Assigned(slot));
    return true;
  }

  /** Stops waiting in the queue, if still waiting; returns whether it was. */
  private boolean leaveQueue() {
    if (queuedAtNanos < 0 || !WAITING.compareAndSet(this, 1, 0)) {
      return false;
    }
    pool.queue().remove(this);
    queueMillis = millis(System.nanoTime() - queuedAtNanos);
    return true;
  }

  /** Runs the queued connection on its own event loop once a slot was handed to it. */
  private final class Assigned implements Runnable {
    private final Server slot;

    Assigned(Server slot) {
      this.slot = slot;
    }

    @Override
    public void run() {
      long waited = System.nanoTime() - queuedAtNanos;
      queueMillis = millis(waited);
      cancelTimer();
      if (ended) {
        pool.release(slot);
      } else {
        slot.stats().queueWait(waited);
        connectTo(slot);
      }
    }
  }

  private void connectTo(Server chosen) {
    server = chosen;
    SocketAddress address = (SocketAddress) server.address();
    connectStartNanos = System.nanoTime();
    Bootstrap bootstrap =
        new Bootstrap()
            .group(client.eventLoop())
            .channel(context.transport().clientChannel(address))
            .option(ChannelOption.AUTO_READ, false)
            .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
            .option(ChannelOption.WRITE_BUFFER_WATER_MARK, Listener.RELAY_WATER_MARK)
            .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) pool.connectTimeout().toMillis())
            .handler(new BackpressureRelay(this, false));
    if (!SocketAddresses.isDomain(address)) {
      bootstrap.option(ChannelOption.TCP_NODELAY, true);
    }
    ChannelFuture connecting = bootstrap.connect(address);
    backend = connecting.channel();
    connecting.addListener(this);
  }

  /** The backend connect finished. */
  @Override
  public void operationComplete(ChannelFuture connecting) {
    if (ended || connecting.channel() != backend) {
      // The session ended, or gave this attempt up for another server, while it was connecting.
      connecting.channel().close();
      return;
    }
    if (!connecting.isSuccess()) {
      retryOrEnd(
          connecting.cause() instanceof ConnectTimeoutException
              ? TerminationState.SERVER_TIMEOUT_DURING_CONNECT
              : TerminationState.SERVER_REFUSED_DURING_CONNECT,
          connecting.cause());
      return;
    }
    long connectNanos = System.nanoTime() - connectStartNanos;
    server.recordLatency(connectNanos);
    server.recordRoundTrip(connectNanos);
    context.transport().configureRelaySocket(backend);
    if (server.sendProxy() || server.sendProxyV2()) {
      backend.pipeline().addFirst(HAProxyMessageEncoder.INSTANCE);
      backend.write(
          ProxyHeaders.encodable(
              ProxyHeaders.describe(
                  clientAddress,
                  destinationAddress,
                  server.sendProxyV2(),
                  clientTlsFacts(),
                  server.proxyV2CertTlv())),
          backend.voidPromise());
    }
    ServerTls tls = context.serverTls().get(pool);
    if (tls != null) {
      startServerHandshake(tls);
    } else {
      established();
    }
  }

  /**
   * Starts the TLS handshake with the server, after the PROXY header (which travels in the clear,
   * as servers behind HAProxy expect it). Until it succeeds the connection counts as connecting.
   */
  private void startServerHandshake(ServerTls tls) {
    serverTls = tls;
    String host = null;
    int port = -1;
    if (server.address() instanceof InetSocketAddress inet) {
      host = inet.getHostString();
      port = inet.getPort();
    }
    ChannelPipeline pipeline = backend.pipeline();
    String relay = pipeline.context(BackpressureRelay.class).name();
    pipeline.addBefore(relay, "tls-wait", new ServerHandshakeReader(this::serverHandshakeDone));
    // Added last, and to a connected channel: the handshake starts now, after the header.
    pipeline.addBefore(
        "tls-wait", "tls", tls.newHandler(backend.alloc(), host, port, pool.connectTimeout()));
    backend.read();
  }

  /**
   * The handshake with the server ended: on success the relay starts; on failure (a certificate
   * that does not verify, an alert, a timeout, a close) the server is given up as if it had refused
   * the connection, and another is tried while the retry rules allow.
   *
   * @param cause why it failed; {@code null} for success
   */
  void serverHandshakeDone(Channel channel, Throwable cause) {
    if (ended || channel != backend) {
      return;
    }
    if (cause == null && channel.isActive()) {
      serverTlsFailure = null;
      established();
      return;
    }
    serverTlsFailure = serverTls.failureReason(cause);
    serverTls.handshakeFailed(server.name(), serverTlsFailure, cause);
    retryOrEnd(
        cause instanceof SslHandshakeTimeoutException
            ? TerminationState.SERVER_TIMEOUT_DURING_CONNECT
            : TerminationState.SERVER_REFUSED_DURING_CONNECT,
        cause);
  }

  /** The server connection is ready for the client's bytes (connected, and TLS if any is done). */
  private void established() {
    connectedNanos = System.nanoTime();
    server.stats().connect(connectedNanos - connectStartNanos);
    mayStillSplice =
        context.pipes() != null
            && serverTls == null
            && SpliceRelay.possible(client, backend)
            && client.pipeline().get(SslHandler.class) == null;
    if (early != null) {
      replay.keep(early);
      backend.write(early, backend.voidPromise());
      early = null;
    }
    backend.flush();
    if (clientFinBeforeConnect) {
      passClientFin();
    }
    resumeReading(true);
    resumeReading(false);
    scheduleIdleCheck();
  }

  /**
   * The server failed before any byte moved either way (refused, timed out, reset at once): try
   * another one while attempts and the pool's retry budget allow; the client never notices.
   */
  private void retryOrEnd(TerminationState failure, Throwable cause) {
    Server failed = server;
    server = null;
    if (backend != null) {
      backend.close();
      backend = null;
    }
    connectedNanos = -1;
    // The idle check restarts with the next connection; until then no timer may judge this one.
    cancelTimer();
    failed.recordFailure();
    triedServers |= pool.bitOf(failed);
    pool.release(failed);
    if (retries < pool.retryAttempts() && pool.retryBudget().tryRetry()) {
      retries++;
      // What the failed server was sent goes first; bytes read while reconnecting follow.
      early = replay.takeFor(early);
      clientFinBeforeConnect = clientInputShut;
      client.config().setAutoRead(false);
      // Not now: the failed socket's descriptor was just closed, and epoll may still hold an event
      // for it in the batch being handled. A socket opened now can get the same number and
      // receive that stale event. The next turn of the loop starts from a fresh batch.
      client.eventLoop().execute(() -> retryConnect(failed));
    } else {
      end(failure, cause);
    }
  }

  private void retryConnect(Server failed) {
    if (!ended) {
      connect(failed);
    }
  }

  /** Keeps bytes that arrived before the server connection was ready; drops them once ended. */
  void keepEarlyBytes(ByteBuf bytes) {
    if (ended) {
      // end() released what was kept; bytes still in flight (after a refused header) go too.
      bytes.release();
      return;
    }
    bytesFromClient += bytes.readableBytes();
    if (early == null) {
      early = client.alloc().compositeBuffer();
    }
    early.addComponent(true, bytes);
  }

  /**
   * Relays bytes read on one side to the other.
   *
   * @return {@code false} when the reading side should pause until the other drains
   */
  boolean relay(boolean fromClient, ByteBuf bytes) {
    if (ended) {
      bytes.release();
      return false;
    }
    if (fromClient && connectedNanos < 0) {
      keepEarlyBytes(bytes);
      return false;
    }
    int length = bytes.readableBytes();
    Channel target = fromClient ? backend : client;
    if (fromClient) {
      bytesFromClient += length;
      if (bytesToClient == 0) {
        replay.keep(bytes);
      }
    } else {
      if (bytesToClient == 0) {
        server.recordSuccess();
        replay.drop();
      }
      bytesToClient += length;
    }
    if (context.memory().spent()) {
      // Only the reserve is left: this side reads again once what it read is in the kernel, so
      // each connection holds at most one read of Sluice's memory until the budget recovers.
      (fromClient ? client : backend).config().setAutoRead(false);
      target
          .write(bytes, target.newPromise())
          .addListener(fromClient ? resumeClientRead : resumeBackendRead);
    } else {
      target.write(bytes, target.voidPromise());
    }
    ChannelOutboundBuffer queued = target.unsafe().outboundBuffer();
    if (queued != null && queued.totalPendingWriteBytes() > maxQueuedBytes) {
      maxQueuedBytes = queued.totalPendingWriteBytes();
    }
    if (mayStillSplice
        && bytesFromClient + bytesToClient >= SPLICE_AFTER_BYTES
        && !replay.replayable()) {
      mayStillSplice = false;
      splice = new SpliceRelay(this, context.pipes(), client, backend);
      splice.begin();
      // Given up at once (no pipe left): copying goes on as the target allows.
      return splice == null && target.isWritable();
    }
    return target.isWritable();
  }

  void flushTowards(boolean towardsClient) {
    Channel target = towardsClient ? client : backend;
    if (target != null && connectedNanos >= 0) {
      target.flush();
    }
  }

  /** The side that had stalled drained its write buffer: read again from the other. */
  void resumeReading(boolean readClient) {
    if (splice != null) {
      // Moving to splice, or spliced: the sockets are read by the splice relay, if at all.
      return;
    }
    Channel source = readClient ? client : backend;
    // A side whose input is shut has nothing more to read; asking epoll for more fails.
    boolean inputShut = readClient ? clientInputShut : backendInputShut;
    if (source != null && !ended && !inputShut && connectedNanos >= 0) {
      source.config().setAutoRead(true);
    }
  }

  /**
   * One side sent FIN (or, over TLS, close_notify, and then FIN): pass it on once every byte before
   * it has been written.
   */
  void inputShutdown(boolean clientSide, Channel channel) {
    // Over TLS a client's close_notify and its FIN both announce the end: pass it on once.
    if (stale(clientSide, channel) || (clientSide ? clientInputShut : backendInputShut)) {
      return;
    }
    if (clientSide) {
      clientInputShut = true;
      if (connectedNanos < 0) {
        clientFinBeforeConnect = true;
        return;
      }
      passClientFin();
    } else {
      if (!clientInputShut && nothingRelayed()) {
        // A server that ends its side before a single byte, while the client still talks, is a
        // server that died (the kernel closes a killed process's sockets with a FIN) or refused
        // the session: replayed on another server as a close would be, never passed on as an
        // empty answer. After the client's own FIN, the server's is the normal reply to it.
        retryOrEnd(TerminationState.SERVER_CLOSED_DURING_DATA, null);
        return;
      }
      backendInputShut = true;
      client.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(shutdownClientOutput);
    }
  }

  private void passClientFin() {
    backend.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(shutdownBackendOutput);
  }

  private void shutdownOutput(boolean clientSide) {
    Channel target = clientSide ? client : backend;
    if (ended || !target.isActive()) {
      return;
    }
    SslHandler tls = target.pipeline().get(SslHandler.class);
    if (tls != null) {
      // close_notify first, so the peer can tell the end of the data from a truncation.
      tls.closeOutbound()
          .addListener(f -> ((DuplexChannel) target).shutdownOutput().addListener(outputShut));
    } else {
      ((DuplexChannel) target).shutdownOutput().addListener(outputShut);
    }
  }

  private void finishIfBothDone() {
    if (clientInputShut && backendInputShut) {
      end(TerminationState.NORMAL, null);
    }
  }

  /** One side's socket closed: forward what is queued to the other, then end. */
  void closedBy(boolean clientSide, Channel channel) {
    if (ended || stale(clientSide, channel) || (!clientSide && connectedNanos < 0)) {
      return;
    }
    if (connectedNanos < 0) {
      end(clientGoneState(), null);
      return;
    }
    if (!clientSide && nothingRelayed()) {
      retryOrEnd(TerminationState.SERVER_CLOSED_DURING_DATA, null);
      return;
    }
    Channel other = clientSide ? backend : client;
    other.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> end(TerminationState.NORMAL, null));
  }

  /** A socket error (reset, broken pipe) on one side: an expected outcome, not a bug. */
  void failedOn(boolean clientSide, Channel channel, Throwable cause) {
    if (ended || stale(clientSide, channel)) {
      return;
    }
    if (connectedNanos < 0 && clientSide) {
      end(clientGoneState(), cause);
    } else if (!clientSide && isSocketError(cause) && nothingRelayed()) {
      retryOrEnd(TerminationState.SERVER_CLOSED_DURING_DATA, cause);
    } else if (isSocketError(cause)) {
      // The other side learns of the abort as an abort: a FIN would tell it the stream ended
      // whole, which for a protocol without its own framing is a silent truncation.
      Channel other = clientSide ? backend : client;
      if (other != null) {
        other.config().setOption(ChannelOption.SO_LINGER, 0);
      }
      end(
          clientSide
              ? TerminationState.CLIENT_ABORTED_DURING_DATA
              : TerminationState.SERVER_CLOSED_DURING_DATA,
          cause);
    } else {
      end(TerminationState.INTERNAL_ERROR_DURING_DATA, cause);
    }
  }

  /**
   * An error the network causes rather than a bug: I/O errors, and the ENOTCONN that a read on a
   * socket reset by its peer can return, which Netty reports as {@link NotYetConnectedException}.
   */
  private static boolean isSocketError(Throwable cause) {
    return cause instanceof IOException
        || cause instanceof NotYetConnectedException
        // A TLS record that does not decrypt: the peer's fault (or the network's), not Sluice's.
        || (cause instanceof DecoderException && cause.getCause() instanceof SSLException);
  }

  /** Events from a server connection given up for a retry no longer concern the session. */
  private boolean stale(boolean clientSide, Channel channel) {
    return !clientSide && channel != backend;
  }

  /** How a client that leaves before its server connection is ready ends: queued or connecting. */
  private TerminationState clientGoneState() {
    return leaveQueue()
        ? TerminationState.CLIENT_ABORTED_DURING_QUEUE
        : TerminationState.CLIENT_ABORTED_DURING_CONNECT;
  }

  /**
   * Whether the server connection is up, the server has sent nothing, and everything the client
   * sent it is kept: safe to replay on another server.
   */
  private boolean nothingRelayed() {
    return connectedNanos >= 0 && bytesToClient == 0 && replay.replayable();
  }

  /** Ends the session now: closes both sides, gives back the server slot, logs one line. */
  void end(TerminationState state, Throwable cause) {
    if (ended) {
      return;
    }
    ended = true;
    leaveQueue();
    if (state == TerminationState.INTERNAL_ERROR_DURING_DATA) {
      log.warn("internal error on a connection from {}", clientAddress, cause);
    }
    cancelTimer();
    if (early != null) {
      early.release();
      early = null;
    }
    replay.drop();
    if (splice != null) {
      // Off the epoll set first: the sockets' descriptors are closed next.
      splice.close();
    }
    client.close();
    if (backend != null) {
      backend.close();
    }
    if (server != null) {
      pool.release(server);
    }
    context.stats().sessionEnded(state, maxQueuedBytes, bytesFromClient, bytesToClient);
    if (!context.accessLog().enabled()) {
      return;
    }
    long now = System.nanoTime();
    context
        .accessLog()
        .record(
            new ConnectionRecord(
                acceptEpochMillis,
                SocketAddresses.format(clientAddress),
                context.listener(),
                pool.name(),
                server == null ? NO_SERVER : server.name(),
                queueMillis,
                connectedNanos < 0 ? -1 : millis(connectedNanos - connectStartNanos),
                millis(now - acceptNanos),
                bytesFromClient,
                bytesToClient,
                state,
                tlsField()));
  }

  /**
   * The log line's TLS field: the client handshake's outcome on TLS listeners, and why the last
   * handshake with a server failed, if one did.
   */
  private String tlsField() {
    if (serverTlsFailure == null) {
      return tlsSummary;
    }
    String server = "server !" + serverTlsFailure;
    return tlsSummary == null ? server : tlsSummary + ", " + server;
  }

  // What the splice relay reports.

  /** Whether the move to splice may complete: connected, both sides open, nothing ended. */
  boolean mayMoveToSplice() {
    return !ended
        && connectedNanos >= 0
        && !clientInputShut
        && !backendInputShut
        && client.isActive()
        && backend.isActive();
  }

  /** The sockets are spliced from now on. */
  void spliceStarted() {
    context.stats().spliceStarted();
  }

  /**
   * The move to splice was given up; copying goes on.
   *
   * @param reason why, for the figures; {@code null} when the connection began to end meanwhile
   */
  void spliceAbandoned(SpliceRelay.Fallback reason) {
    splice = null;
    if (reason != null) {
      context.stats().spliceFellBack(reason);
    }
    if (!ended) {
      // Bytes a read wrote while the switch was under way go out now.
      client.flush();
      backend.flush();
      resumeReading(true);
      resumeReading(false);
    }
  }

  /** Bytes a splice read from one side, counted as the copying relay counts its reads. */
  void splicedIn(boolean fromClient, int bytes) {
    if (fromClient) {
      bytesFromClient += bytes;
    } else {
      if (bytesToClient == 0) {
        server.recordSuccess();
        replay.drop();
      }
      bytesToClient += bytes;
    }
  }

  /** Bytes waiting in a pipe for a peer that reads slower than the other sends. */
  void splicedQueue(int bytes) {
    maxQueuedBytes = Math.max(maxQueuedBytes, bytes);
  }

  /** One side's end was read and its FIN passed on to the other side. */
  void splicedEnd(boolean fromClient) {
    if (fromClient) {
      clientInputShut = true;
    } else {
      backendInputShut = true;
    }
    finishIfBothDone();
  }

  /** Closes the session on a stop whose drain time has run out. */
  void kill() {
    end(TerminationState.KILLED_DURING_DATA, null);
  }

  private static long millis(long nanos) {
    return TimeUnit.NANOSECONDS.toMillis(nanos);
  }

  private long clientHash() {
    if (clientAddress instanceof InetSocketAddress inet && inet.getAddress() != null) {
      return Arrays.hashCode(inet.getAddress().getAddress());
    }
    return 0;
  }

  // The timer: first the PROXY-header deadline, then the idle check.

  @Override
  public void run() {
    timer = null;
    if (ended) {
      return;
    }
    if (queuedAtNanos >= 0 && connectedNanos < 0 && server == null) {
      if (leaveQueue()) {
        end(TerminationState.SERVER_TIMEOUT_DURING_QUEUE, null);
      }
      return;
    }
    if (connectedNanos < 0) {
      if (awaitingHandshake) {
        tlsSummary = "!TIMEOUT";
      }
      end(TerminationState.CLIENT_TIMEOUT_DURING_REQUEST, null);
      return;
    }
    long pendingToClient = splice != null ? splice.pending(true) : pending(client);
    long pendingToBackend = splice != null ? splice.pending(false) : pending(backend);
    long idle =
        idle()
            .idleNanos(
                System.nanoTime(),
                bytesFromClient,
                bytesToClient,
                pendingToClient,
                pendingToBackend);
    if (idle >= context.idleTimeout().toNanos()) {
      end(
          pendingToBackend > 0 && pendingToClient == 0
              ? TerminationState.SERVER_TIMEOUT_DURING_DATA
              : TerminationState.CLIENT_TIMEOUT_DURING_DATA,
          null);
      return;
    }
    scheduleIdleCheck();
  }

  /**
   * Checks four times per idle timeout, so an idle connection closes between 1 and 1.25 timeouts
   * after its last progress, with no clock read on the relay path.
   */
  private void scheduleIdleCheck() {
    long period = Math.max(context.idleTimeout().toNanos() / 4, TimeUnit.MILLISECONDS.toNanos(1));
    timer = client.eventLoop().schedule(this, period, TimeUnit.NANOSECONDS);
  }

  private IdleProgress idle() {
    if (idleProgress == null) {
      idleProgress = new IdleProgress();
    }
    return idleProgress;
  }

  private static long pending(Channel channel) {
    ChannelOutboundBuffer buffer = channel.unsafe().outboundBuffer();
    return buffer == null ? 0 : buffer.totalPendingWriteBytes();
  }

  private void cancelTimer() {
    if (timer != null) {
      timer.cancel(false);
      timer = null;
    }
  }
}
