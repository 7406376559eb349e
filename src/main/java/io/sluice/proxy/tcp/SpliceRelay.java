package io.sluice.proxy.tcp;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.IoEvent;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoRegistration;
import io.netty.channel.epoll.AbstractEpollStreamChannel;
import io.netty.channel.epoll.EpollIoEvent;
import io.netty.channel.epoll.EpollIoHandle;
import io.netty.channel.epoll.EpollIoOps;
import io.netty.channel.epoll.Native;
import io.netty.channel.socket.DuplexChannel;
import io.netty.channel.unix.Errors;
import io.netty.channel.unix.FileDescriptor;
import io.netty.channel.unix.Socket;
import io.netty.channel.unix.UnixChannel;
import io.netty.util.concurrent.Future;
import io.sluice.admission.PipeBudget;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;

/**
 * The relay of a plain session once it carries a bulk transfer: both sockets leave their channels'
 * event handling, and the kernel moves the bytes with splice(2), socket to pipe to socket, so they
 * never enter the JVM.
 *
 * <p>Netty's own {@code spliceTo} is deprecated in 4.2 and gone from 5: it reports no byte counts,
 * and after a peer's FIN it shuts the input down even while bytes still wait behind a full pipe. So
 * the channels are taken off their event loop's epoll set and a handle of this class watches each
 * socket on the same loop (Netty's public {@link EpollIoHandle} API), calling the splice system
 * call Netty's native library exports.
 *
 * <p>Guarantees: bytes leave in the order they came, since the switch waits until both channels'
 * write queues are empty; each direction holds at most one pipe load in the kernel (sixteen
 * fragments of a socket buffer: 64 KiB to 512 KiB), since its socket is read only while its pipe is
 * empty, which also makes a read of nothing unambiguous: with the pipe empty and the peer's FIN
 * seen, it is the end of the stream; a FIN is passed on once every byte before it has left; every
 * byte is counted as it is read, as the copying relay counts. A splice that fails with {@code
 * EINVAL} (a socket type without splice support) before any byte waits in a pipe hands both
 * channels back to the copying relay.
 *
 * <p>Threads: the session's event loop only.
 */
final class SpliceRelay {
  /** A splice moves at most what the pipe holds; asking for more costs nothing. */
  private static final int SPLICE_LENGTH = 1 << 20;

  /**
   * Pipe loads moved per readiness event, at most: Netty reads 16 times per event too, so one busy
   * connection cannot hold its loop; the level-triggered event brings the rest.
   */
  private static final int ROUNDS_PER_EVENT = 16;

  /** Linux's EPOLLHUP, which Netty does not name: reported whether asked for or not. */
  private static final int EPOLLHUP = 0x010;

  /** Linux's EINVAL as Netty reports errors: negated. */
  private static final int EINVAL_NEGATIVE = -22;

  private static final int READ_OPS = Native.EPOLLIN | Native.EPOLLRDHUP;

  /** Why a connection that was to be spliced went on copying. */
  enum Fallback {
    /** Every pipe {@code max_pipes} allows was in use, or the process had no descriptor left. */
    NO_PIPE,
    /** The kernel refused to splice the sockets. */
    FAILED
  }

  private enum State {
    /** Reading is paused while both write queues drain. */
    QUIESCING,
    /** The channels are leaving the event loop's epoll set. */
    SWITCHING,
    SPLICING,
    CLOSED
  }

  private final TcpSession session;
  private final PipeBudget pipes;
  private final SocketEnd client;
  private final SocketEnd backend;
  private final Flow fromClient;
  private final Flow toClient;
  private State state = State.QUIESCING;
  private boolean pipesTaken;
  private int drainsAwaited;
  private final ChannelFutureListener drained = f -> drainedOne();
  private final ChannelFutureListener closedOutside = this::closedOutside;

  SpliceRelay(TcpSession session, PipeBudget pipes, Channel client, Channel backend) {
    this.session = session;
    this.pipes = pipes;
    this.client = new SocketEnd(client, true);
    this.backend = new SocketEnd(backend, false);
    this.fromClient = new Flow(this.client, this.backend, true);
    this.toClient = new Flow(this.backend, this.client, false);
  }

  /**
   * Whether two connected channels can be spliced: epoll stream sockets (TCP or unix) on one loop
   * that takes handles of this class.
   */
  static boolean possible(Channel client, Channel backend) {
    return isEpollSocket(client)
        && isEpollSocket(backend)
        && client.eventLoop() == backend.eventLoop()
        && client.eventLoop() instanceof IoEventLoop loop
        && loop.isCompatible(SocketEnd.class);
  }

  private static boolean isEpollSocket(Channel channel) {
    return channel instanceof AbstractEpollStreamChannel
        && ((UnixChannel) channel).fd() instanceof Socket;
  }

  /**
   * Starts the switch: pauses reading on both sides and moves over once both write queues are
   * empty. Called from the session's relay while it reads.
   */
  void begin() {
    client.channel.config().setAutoRead(false);
    backend.channel.config().setAutoRead(false);
    // Held until both channels are asked, so that the first to drain does not move alone.
    drainsAwaited = 1;
    awaitDrained(client.channel);
    awaitDrained(backend.channel);
    drainedOne();
  }

  private void awaitDrained(Channel channel) {
    channel.flush();
    if (!drained(channel)) {
      drainsAwaited++;
      channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(drained);
    }
  }

  private void drainedOne() {
    if (--drainsAwaited == 0) {
      switchOver();
    }
  }

  /** Nothing waits in the channel's write queue, flushed or not. */
  private static boolean drained(Channel channel) {
    ChannelOutboundBuffer queued = channel.unsafe().outboundBuffer();
    return queued != null && queued.isEmpty() && queued.totalPendingWriteBytes() == 0;
  }

  private boolean mayMove() {
    return session.mayMoveToSplice() && drained(client.channel) && drained(backend.channel);
  }

  private void switchOver() {
    if (state != State.QUIESCING) {
      return;
    }
    if (!mayMove()) {
      // The connection began to end, or bytes came in, while the queues drained: keep copying.
      abandon(null);
      return;
    }
    if (!pipes.tryTake(2)) {
      abandon(Fallback.NO_PIPE);
      return;
    }
    pipesTaken = true;
    try {
      fromClient.openPipe();
      toClient.openPipe();
    } catch (IOException noDescriptor) {
      abandon(Fallback.NO_PIPE);
      return;
    }
    state = State.SWITCHING;
    // Deregistration happens on a later turn of the loop; the handles register after it.
    client
        .channel
        .deregister()
        .addListener(
            (ChannelFuture first) ->
                backend
                    .channel
                    .deregister()
                    .addListener((ChannelFuture second) -> register(second)));
  }

  private void register(ChannelFuture deregistered) {
    if (state != State.SWITCHING) {
      return;
    }
    if (!deregistered.isSuccess() || !mayMove()) {
      // Bytes read before the deregistration took effect may still sit in a write queue, or an
      // end came in: the channels go back to the loop and the copying relay goes on.
      returnToCopy(null);
      return;
    }
    IoEventLoop loop = (IoEventLoop) client.channel.eventLoop();
    loop.register(client)
        .addListener(
            (Future<IoRegistration> first) -> {
              if (!first.isSuccess()) {
                returnToCopy(Fallback.FAILED);
                return;
              }
              client.registration = first.getNow();
              loop.register(backend)
                  .addListener(
                      (Future<IoRegistration> second) -> {
                        if (!second.isSuccess()) {
                          returnToCopy(Fallback.FAILED);
                          return;
                        }
                        backend.registration = second.getNow();
                        start();
                      });
            });
  }

  private void start() {
    if (state != State.SWITCHING) {
      return;
    }
    state = State.SPLICING;
    session.spliceStarted();
    client.channel.closeFuture().addListener(closedOutside);
    backend.channel.closeFuture().addListener(closedOutside);
    client.updateInterest();
    backend.updateInterest();
  }

  /** The session ended while spliced: stops watching the sockets before they are closed. */
  void close() {
    if (state == State.CLOSED) {
      return;
    }
    state = State.CLOSED;
    client.cancel();
    backend.cancel();
    releasePipes();
  }

  /** Gives up before any byte was spliced: the copying relay goes on. */
  private void abandon(Fallback reason) {
    state = State.CLOSED;
    releasePipes();
    session.spliceAbandoned(reason);
  }

  /** Hands both channels back to the event loop, whose copying relay goes on. */
  private void returnToCopy(Fallback reason) {
    state = State.CLOSED;
    client.cancel();
    backend.cancel();
    releasePipes();
    Channel clientChannel = client.channel;
    Channel backendChannel = backend.channel;
    clientChannel
        .eventLoop()
        .register(clientChannel)
        .addListener(
            (ChannelFuture first) ->
                backendChannel
                    .eventLoop()
                    .register(backendChannel)
                    .addListener(
                        (ChannelFuture second) -> {
                          if (!first.isSuccess()) {
                            session.failedOn(true, clientChannel, first.cause());
                          } else if (!second.isSuccess()) {
                            session.failedOn(false, backendChannel, second.cause());
                          } else {
                            session.spliceAbandoned(reason);
                          }
                        }));
  }

  private void releasePipes() {
    fromClient.closePipe();
    toClient.closePipe();
    if (pipesTaken) {
      pipesTaken = false;
      pipes.give(2);
    }
  }

  /** Bytes waiting in the kernel pipe towards one side, or in its channel's write queue. */
  long pending(boolean towardsClient) {
    if (state == State.SPLICING) {
      return (towardsClient ? toClient : fromClient).inPipe;
    }
    ChannelOutboundBuffer queued =
        (towardsClient ? client : backend).channel.unsafe().outboundBuffer();
    return queued == null ? 0 : queued.totalPendingWriteBytes();
  }

  /** One socket is ready: moves what it allows, then watches what is still to come. */
  private void ready(SocketEnd end, int ops) {
    if (state != State.SPLICING) {
      return;
    }
    if ((ops & EPOLLHUP) != 0) {
      end.hungUp = true;
    }
    if ((ops & (Native.EPOLLRDHUP | EPOLLHUP)) != 0) {
      end.reading.peerFinished = true;
    }
    if ((ops & (Native.EPOLLOUT | Native.EPOLLERR | EPOLLHUP)) != 0) {
      end.writing.drain();
    }
    if (state == State.SPLICING && (ops & (READ_OPS | Native.EPOLLERR | EPOLLHUP)) != 0) {
      end.reading.fill();
    }
    if (state == State.SPLICING && (ops & Native.EPOLLERR) != 0) {
      end.surfaceError();
    }
    if (state == State.SPLICING) {
      client.updateInterest();
      backend.updateInterest();
    }
  }

  /** A splice on {@code end}'s socket failed. */
  private void failed(SocketEnd end, IOException cause) {
    if (state != State.SPLICING) {
      return;
    }
    if (cause instanceof Errors.NativeIoException error
        && error.expectedErr() == EINVAL_NEGATIVE
        && fromClient.inPipe == 0
        && toClient.inPipe == 0) {
      returnToCopy(Fallback.FAILED);
      return;
    }
    session.failedOn(end.clientSide, end.channel, cause);
  }

  /** A channel closed by something other than the session's end. */
  private void closedOutside(ChannelFuture closed) {
    if (state == State.SPLICING) {
      boolean clientSide = closed.channel() == client.channel;
      session.failedOn(clientSide, closed.channel(), new ClosedChannelException());
    }
  }

  /** One direction: from a source socket through its pipe to a target socket. */
  private final class Flow {
    private final SocketEnd source;
    private final SocketEnd target;
    private final boolean fromClient;
    private FileDescriptor pipeOut;
    private FileDescriptor pipeIn;

    /** Bytes spliced into the pipe and not yet out of it. */
    private int inPipe;

    /** The source's peer sent its FIN (or hung up): a read of nothing is the end. */
    private boolean peerFinished;

    /** The source's end was read. */
    private boolean sourceDone;

    private boolean finPassed;

    Flow(SocketEnd source, SocketEnd target, boolean fromClient) {
      this.source = source;
      this.target = target;
      this.fromClient = fromClient;
      source.reading = this;
      target.writing = this;
    }

    void openPipe() throws IOException {
      FileDescriptor[] pipe = FileDescriptor.pipe();
      pipeIn = pipe[0];
      pipeOut = pipe[1];
    }

    void closePipe() {
      closeQuietly(pipeIn);
      closeQuietly(pipeOut);
      pipeIn = null;
      pipeOut = null;
    }

    /** Reads from the source while the pipe empties as fast as it fills. */
    void fill() {
      for (int round = 0; round < ROUNDS_PER_EVENT && canRead(); round++) {
        int read;
        try {
          read = Native.splice(source.fd.intValue(), -1, pipeOut.intValue(), -1, SPLICE_LENGTH);
        } catch (IOException e) {
          failed(source, e);
          return;
        }
        if (read == 0) {
          // Nothing to read, or the end: with the pipe empty, splice cannot tell them apart, but
          // the peer's FIN came before, so no byte can follow.
          if (peerFinished) {
            sourceDone = true;
            passFinOnceDrained();
          }
          return;
        }
        inPipe = read;
        session.splicedIn(fromClient, read);
        drain();
      }
    }

    private boolean canRead() {
      return state == State.SPLICING && inPipe == 0 && !sourceDone;
    }

    /** Writes what the pipe holds to the target, as far as its socket takes it. */
    void drain() {
      while (inPipe > 0 && state == State.SPLICING) {
        int written;
        try {
          written = Native.splice(pipeIn.intValue(), -1, target.fd.intValue(), -1, inPipe);
        } catch (IOException e) {
          failed(target, e);
          return;
        }
        if (written == 0) {
          session.splicedQueue(inPipe);
          return;
        }
        inPipe -= written;
      }
      passFinOnceDrained();
    }

    private void passFinOnceDrained() {
      if (sourceDone && inPipe == 0 && !finPassed && state == State.SPLICING) {
        finPassed = true;
        // The target's channel is off the loop, but shutting its output needs no loop.
        ((DuplexChannel) target.channel).shutdownOutput();
        session.splicedEnd(fromClient);
      }
    }
  }

  /** One socket, watched on the session's event loop while the channel is off it. */
  private final class SocketEnd implements EpollIoHandle {
    private final Channel channel;
    private final boolean clientSide;
    private final FileDescriptor fd;
    private Flow reading;
    private Flow writing;
    private IoRegistration registration;

    /** The epoll events asked for now; -1 before the first request. */
    private int interest = -1;

    /** The socket reported a hang-up: both directions are shut, or it was reset. */
    private boolean hungUp;

    private boolean resumeScheduled;

    SocketEnd(Channel channel, boolean clientSide) {
      this.channel = channel;
      this.clientSide = clientSide;
      this.fd = ((UnixChannel) channel).fd();
    }

    @Override
    public FileDescriptor fd() {
      return fd;
    }

    @Override
    public void handle(IoRegistration registration, IoEvent event) {
      ready(this, ((EpollIoEvent) event).ops().value());
    }

    /** The event loop shuts down with the socket still watched. */
    @Override
    public void close() {
      session.kill();
    }

    /** Asks epoll for what the socket's two directions wait for now. */
    void updateInterest() {
      if (hungUp) {
        park();
        return;
      }
      int ops = 0;
      if (!reading.sourceDone && reading.inPipe == 0) {
        ops |= READ_OPS;
      }
      if (writing.inPipe > 0) {
        ops |= Native.EPOLLOUT;
      }
      if (ops != interest) {
        registration.submit(EpollIoOps.valueOf(ops));
        interest = ops;
      }
    }

    /**
     * After a hang-up epoll reports the socket ready whatever is asked, for good, so it leaves the
     * epoll set; what is left to read (bytes before the peer's FIN, then the end) is read without
     * waiting, on a later turn of the loop whenever the pipe has room, and a write fails at once.
     */
    private void park() {
      cancel();
      boolean wanted = (!reading.sourceDone && reading.inPipe == 0) || writing.inPipe > 0;
      if (wanted && !resumeScheduled && state == State.SPLICING) {
        resumeScheduled = true;
        channel.eventLoop().execute(this::resumeParked);
      }
    }

    private void resumeParked() {
      resumeScheduled = false;
      ready(this, EPOLLHUP);
    }

    /** An error event that no splice reported: the socket's pending error ends the session. */
    void surfaceError() {
      try {
        int error = ((Socket) fd).getSoError();
        if (error != 0) {
          session.failedOn(clientSide, channel, Errors.newIOException("splice", -Math.abs(error)));
        }
      } catch (IOException e) {
        session.failedOn(clientSide, channel, e);
      }
    }

    void cancel() {
      if (registration != null) {
        registration.cancel();
        registration = null;
      }
    }
  }

  private static void closeQuietly(FileDescriptor fd) {
    if (fd != null) {
      try {
        fd.close();
      } catch (IOException ignored) {
        // A pipe end that fails to close has nothing left to lose.
      }
    }
  }
}
