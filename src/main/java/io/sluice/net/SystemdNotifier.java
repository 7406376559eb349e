package io.sluice.net;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDomainDatagramChannel;
import io.netty.channel.unix.DomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sd_notify protocol, spoken when systemd (or another service manager) sets {@code
 * NOTIFY_SOCKET}: {@code READY=1} once listeners are bound, {@code STOPPING=1} when a stop begins,
 * {@code RELOADING=1} then {@code READY=1} around a reload, and {@code WATCHDOG=1} every half of
 * {@code WATCHDOG_USEC} while every event loop turns, so that a wedged process stops petting the
 * watchdog and systemd restarts it. Messages are unix datagrams; one that cannot be sent is lost,
 * as with {@code sd_notify(3)}.
 *
 * <p>Threads: a single event loop of its own sends every message; the methods may be called from
 * any thread.
 */
public final class SystemdNotifier implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SystemdNotifier.class);

  private final EventLoopGroup group;
  private final Channel channel;

  /** Whether the last send failed, so that a gone service manager is logged once, not per pet. */
  private volatile boolean failing;

  private SystemdNotifier(EventLoopGroup group, Channel channel) {
    this.group = group;
    this.channel = channel;
  }

  /**
   * A notifier for the socket named by {@code NOTIFY_SOCKET} in {@code environment}, or {@code
   * null} when there is none, or when this machine has no epoll for unix datagrams.
   */
  public static SystemdNotifier fromEnvironment(Map<String, String> environment) {
    String socket = environment.get("NOTIFY_SOCKET");
    if (socket == null || socket.isEmpty()) {
      return null;
    }
    if (!Epoll.isAvailable()) {
      log.warn(
          "NOTIFY_SOCKET is set but epoll is not available; systemd will not hear from Sluice");
      return null;
    }
    // '@' names a socket in the abstract namespace (sd_notify(3)); Netty marks those with a NUL.
    DomainSocketAddress target =
        new DomainSocketAddress(socket.charAt(0) == '@' ? "\0" + socket.substring(1) : socket);
    EventLoopGroup group = Transport.EPOLL.newGroup(1, "sluice-notify", new LoopLoad());
    // Connected, since Netty sends on an active datagram channel only; a unix datagram connect
    // just fixes the peer, and fails at once when nobody listens there.
    ChannelFuture connected =
        new Bootstrap()
            .group(group)
            .channel(EpollDomainDatagramChannel.class)
            .handler(new ChannelInboundHandlerAdapter())
            .connect(target)
            .awaitUninterruptibly();
    if (!connected.isSuccess()) {
      log.warn("cannot reach NOTIFY_SOCKET {}: {}", socket, connected.cause().toString());
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      return null;
    }
    return new SystemdNotifier(group, connected.channel());
  }

  /** Sends {@code READY=1}: the service is up. */
  public void ready(String status) {
    send("READY=1\nSTATUS=" + status + "\nMAINPID=" + ProcessHandle.current().pid());
  }

  /** Sends {@code STOPPING=1}: a stop has begun. */
  public void stopping() {
    send("STOPPING=1\nSTATUS=draining");
  }

  /**
   * Sends {@code RELOADING=1} with the monotonic time systemd asks for ({@code
   * Type=notify-reload}); follow with {@link #ready} once the reload is applied.
   */
  public void reloading() {
    long micros = TimeUnit.NANOSECONDS.toMicros(System.nanoTime());
    send("RELOADING=1\nMONOTONIC_USEC=" + micros);
  }

  /**
   * Pets systemd's watchdog at half of {@code WATCHDOG_USEC} (as {@code sd_watchdog_enabled(3)}
   * advises), skipping any turn where {@code turning} says an event loop is stalled. Does nothing
   * without {@code WATCHDOG_USEC}, or when {@code WATCHDOG_PID} names another process.
   */
  public void startWatchdog(Map<String, String> environment, BooleanSupplier turning) {
    String usec = environment.get("WATCHDOG_USEC");
    String pid = environment.get("WATCHDOG_PID");
    if (usec == null || usec.isEmpty()) {
      return;
    }
    if (pid != null
        && !pid.isEmpty()
        && !pid.equals(Long.toString(ProcessHandle.current().pid()))) {
      return;
    }
    long period;
    try {
      period = Long.parseLong(usec.strip()) / 2;
    } catch (NumberFormatException e) {
      log.warn("WATCHDOG_USEC is not a number: '{}'; no watchdog messages", usec);
      return;
    }
    if (period <= 0) {
      return;
    }
    group
        .next()
        .scheduleAtFixedRate(
            () -> {
              if (turning.getAsBoolean()) {
                send("WATCHDOG=1");
              }
            },
            period,
            period,
            TimeUnit.MICROSECONDS);
  }

  private void send(String message) {
    channel
        .writeAndFlush(Unpooled.copiedBuffer(message, StandardCharsets.UTF_8))
        .addListener(
            sent -> {
              if (sent.isSuccess()) {
                failing = false;
              } else if (!failing) {
                failing = true;
                log.warn("cannot notify the service manager: {}", sent.cause().toString());
              }
            });
  }

  /** Sends what is queued, then closes the socket. */
  @Override
  public void close() {
    channel.close().awaitUninterruptibly(1, TimeUnit.SECONDS);
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
  }
}
