package io.sluice.health;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOption;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Opens a check's own connection (or connected datagram channel) on the health loop and guarantees
 * exactly one outcome within the timeout, whatever the server does: refuses, never answers, or
 * answers slowly.
 *
 * <p>Runs on the health loop only; {@code reported} needs no fence.
 */
final class ProbeConnection {
  private final Consumer<CheckOutcome> done;
  private final ScheduledFuture<?> deadline;
  private final Channel channel;
  private boolean reported;

  private ProbeConnection(
      EventLoop loop, Channel channel, Duration timeout, Consumer<CheckOutcome> done) {
    this.channel = channel;
    this.done = done;
    this.deadline =
        loop.schedule(
            () -> report(CheckOutcome.failed("timeout after " + timeout.toMillis() + " ms")),
            timeout.toNanos(),
            TimeUnit.NANOSECONDS);
  }

  /**
   * Connects to {@code address}; once connected, {@code onConnected} may write a request and
   * returns the handler that reads the answer (or null when connecting is the whole check).
   */
  static void open(
      EventLoop loop,
      Class<? extends Channel> channelType,
      SocketAddress address,
      Duration timeout,
      Consumer<CheckOutcome> done,
      Function<ProbeConnection, ChannelHandler> reader) {
    open(loop, channelType, address, null, timeout, done, reader);
  }

  /**
   * As {@link #open(EventLoop, Class, SocketAddress, Duration, Consumer, Function)}, bound first to
   * {@code localAddress} (null: any). A datagram channel "connects" without a packet: it only fixes
   * its peer, so that the kernel delivers that peer's datagrams alone and reports its ICMP errors,
   * such as port unreachable, to the reader.
   */
  static void open(
      EventLoop loop,
      Class<? extends Channel> channelType,
      SocketAddress address,
      SocketAddress localAddress,
      Duration timeout,
      Consumer<CheckOutcome> done,
      Function<ProbeConnection, ChannelHandler> reader) {
    ChannelFuture connecting =
        new Bootstrap()
            .group(loop)
            .channel(channelType == null ? NioSocketChannel.class : channelType)
            .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) timeout.toMillis())
            .handler(new io.netty.channel.ChannelInboundHandlerAdapter())
            .connect(address, localAddress);
    ProbeConnection probe = new ProbeConnection(loop, connecting.channel(), timeout, done);
    connecting.addListener(
        f -> {
          if (!f.isSuccess()) {
            probe.report(CheckOutcome.failed(describe(f.cause())));
            return;
          }
          ChannelHandler handler = reader.apply(probe);
          if (handler == null) {
            probe.report(CheckOutcome.passed("connected"));
          } else {
            probe.channel.pipeline().addLast(handler);
            probe.channel.read();
          }
        });
  }

  /**
   * A probe over {@code channel}, opened elsewhere and registered with its event loop: reports a
   * timeout unless {@link #report} comes first, and closes the channel with the outcome.
   */
  static ProbeConnection watching(Channel channel, Duration timeout, Consumer<CheckOutcome> done) {
    return new ProbeConnection(channel.eventLoop(), channel, timeout, done);
  }

  Channel channel() {
    return channel;
  }

  /** Reports the outcome once and closes the probe's connection. */
  void report(CheckOutcome outcome) {
    if (reported) {
      return;
    }
    reported = true;
    deadline.cancel(false);
    if (channel != null) {
      channel.close();
    }
    done.accept(outcome);
  }

  private static String describe(Throwable cause) {
    if (cause instanceof ConnectTimeoutException) {
      return "connect timeout";
    }
    String message = cause == null ? null : cause.getMessage();
    if (message != null && message.contains("Connection refused")) {
      return "connect refused";
    }
    return "connect failed: " + message;
  }
}
