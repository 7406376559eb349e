package io.sluice.net;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.sluice.admission.AcceptRate;
import io.sluice.admission.ConnectionLimit;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * Admission at accept time: a listener's {@code max_connections}, the process-wide limit and the
 * listener's {@code accept_rate}. When any of them is spent, every listening socket of the listener
 * stops reading its accept queue, so further clients wait in the kernel backlog (a slower connect,
 * never a refusal) until a connection closes or the rate allows the next one.
 *
 * <p>Sits on each listening socket's pipeline, before Netty's acceptor. Threads: the listening
 * sockets' loops run {@link #channelRead}; children's loops run the close listener; timers run on
 * the first socket's loop. Shared state is the limits' atomics and {@code paused}; whoever changes
 * {@code paused} re-checks the conditions afterwards, so no wake-up is lost.
 */
@Sharable
public final class AcceptGate extends ChannelInboundHandlerAdapter {
  private final ConnectionLimit connections;
  private final ProcessAdmission process;

  /** Replaced by the control thread on a reload; read by the accepting loops. */
  private volatile AcceptRate rate;

  private final boolean childrenStayOnAcceptingLoop;
  private final List<Channel> sockets = new CopyOnWriteArrayList<>();
  private final AtomicBoolean paused = new AtomicBoolean();
  private final LongAdder accepted = new LongAdder();
  private final AtomicBoolean rateTimerSet = new AtomicBoolean();
  private final ChannelFutureListener onChildClosed = this::childClosed;
  private final Runnable rateRecheck = this::rateTimerFired;

  /**
   * @param rate the accept-rate limit, or {@code null} for none
   * @param childrenStayOnAcceptingLoop true for SO_REUSEPORT sockets (each child stays on the loop
   *     that accepted it); false when the least-loaded chooser placed it
   */
  public AcceptGate(
      ConnectionLimit connections,
      ProcessAdmission process,
      AcceptRate rate,
      boolean childrenStayOnAcceptingLoop) {
    this.connections = connections;
    this.process = process;
    this.rate = rate;
    this.childrenStayOnAcceptingLoop = childrenStayOnAcceptingLoop;
  }

  /** Adds a bound listening socket that the gate pauses and resumes. */
  void guard(Channel listeningSocket) {
    sockets.add(listeningSocket);
    if (sockets.size() == 1) {
      process.register(this);
    }
  }

  /** Whether the gate still guards sockets: false once its listener stopped accepting. */
  boolean open() {
    return !sockets.isEmpty();
  }

  /** Forgets one socket: a reload closed its address. */
  void unguard(Channel listeningSocket) {
    sockets.remove(listeningSocket);
  }

  /** Forgets the sockets (they were closed). */
  void close() {
    process.unregister(this);
    sockets.clear();
  }

  /**
   * A reload's new limits: {@code max_connections} and the accept rate ({@code null}: none). Open
   * connections stay counted against the listener.
   */
  public void limits(int maxConnections, AcceptRate rate) {
    connections.max(maxConnections);
    this.rate = rate;
    recheck();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    Channel child = (Channel) msg;
    child.closeFuture().addListener(onChildClosed);
    accepted.increment();
    if (childrenStayOnAcceptingLoop) {
      process.loopLoad().add(ctx.channel().eventLoop());
    }
    connections.admit();
    process.connections().admit();
    AcceptRate rate = this.rate;
    if (rate != null) {
      rate.take();
    }
    if (!mayAccept()) {
      pause();
    }
    ctx.fireChannelRead(msg);
  }

  private void childClosed(ChannelFuture future) {
    process.loopLoad().remove(future.channel().eventLoop());
    connections.release();
    if (process.connections().release()) {
      process.wakeAll();
    } else {
      recheck();
    }
  }

  private boolean mayAccept() {
    AcceptRate rate = this.rate;
    return connections.open() < connections.max()
        && process.connections().open() < process.connections().max()
        && (rate == null || rate.nanosUntilAvailable() <= 0);
  }

  private void pause() {
    if (paused.compareAndSet(false, true)) {
      setAutoRead(false);
    }
    recheck();
  }

  /** Resumes accepting if nothing holds it back any more; else waits for the rate if it is what. */
  void recheck() {
    AcceptRate rate = this.rate;
    if (!paused.get()) {
      return;
    }
    if (mayAccept()) {
      if (paused.compareAndSet(true, false)) {
        setAutoRead(true);
      }
    } else if (rate != null && rate.nanosUntilAvailable() > 0 && !sockets.isEmpty()) {
      if (rateTimerSet.compareAndSet(false, true)) {
        long delay = Math.max(rate.nanosUntilAvailable(), TimeUnit.MICROSECONDS.toNanos(100));
        sockets.get(0).eventLoop().schedule(rateRecheck, delay, TimeUnit.NANOSECONDS);
      }
    }
  }

  private void rateTimerFired() {
    rateTimerSet.set(false);
    recheck();
  }

  private void setAutoRead(boolean accepting) {
    for (Channel socket : sockets) {
      socket.config().setAutoRead(accepting);
    }
  }

  public ConnectionLimit connections() {
    return connections;
  }

  /** Connections accepted since start. */
  public long accepted() {
    return accepted.sum();
  }

  /** The accept-rate limit in connections per second, 0 when there is none. */
  public double rateLimit() {
    AcceptRate rate = this.rate;
    return rate == null ? 0 : rate.perSecond();
  }

  /** Whether the listener is holding new connections in the backlog now. */
  public boolean paused() {
    return paused.get();
  }
}
