package io.sluice.net;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDomainDatagramChannel;
import io.netty.channel.unix.DomainDatagramPacket;
import io.netty.channel.unix.DomainSocketAddress;
import io.sluice.testing.EchoServer;
import io.sluice.testing.SluiceProcess;
import io.sluice.testing.TestConfigs;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Sluice under a service manager: what systemd would read on its notification socket. */
class SystemdNotifyIT {
  @TempDir Path dir;

  /** The next message containing {@code wanted}, skipping others; fails after {@code timeout}. */
  private static String next(BlockingQueue<String> messages, String wanted, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      String message = messages.poll(100, TimeUnit.MILLISECONDS);
      if (message != null && message.contains(wanted)) {
        return message;
      }
    }
    throw new AssertionError("no " + wanted + " within " + timeout);
  }

  @Test
  void saysReadyPetsTheWatchdogFramesReloadsAndSaysStopping() throws Exception {
    Assumptions.assumeTrue(Epoll.isAvailable(), "unix datagrams need epoll");
    BlockingQueue<String> messages = new LinkedBlockingQueue<>();
    Path socket = dir.resolve("notify.sock");
    EventLoopGroup group = Transport.EPOLL.newGroup(1, "test-notify", new LoopLoad());
    try (EchoServer echo = new EchoServer()) {
      Channel receiver =
          new Bootstrap()
              .group(group)
              .channel(EpollDomainDatagramChannel.class)
              .handler(
                  new SimpleChannelInboundHandler<DomainDatagramPacket>() {
                    @Override
                    protected void channelRead0(
                        ChannelHandlerContext ctx, DomainDatagramPacket packet) {
                      messages.add(packet.content().toString(StandardCharsets.UTF_8));
                    }
                  })
              .bind(new DomainSocketAddress(socket.toString()))
              .sync()
              .channel();
      Path config = dir.resolve("sluice.yaml");
      Files.writeString(config, TestConfigs.tcp().server(echo.address()).yaml());
      try (SluiceProcess sluice =
          SluiceProcess.start(
              dir,
              Map.of("NOTIFY_SOCKET", socket.toString(), "WATCHDOG_USEC", "400000"),
              "run",
              "-c",
              config.toString())) {
        String ready = next(messages, "READY=1", Duration.ofSeconds(30));
        assertThat(ready).contains("MAINPID=" + sluice.pid()).contains("STATUS=serving");
        for (int i = 0; i < 3; i++) {
          assertThat(next(messages, "WATCHDOG=1", Duration.ofSeconds(5))).isEqualTo("WATCHDOG=1");
        }

        // A reload, applied or refused, is framed as Type=notify-reload expects.
        sluice.hangUp();
        assertThat(next(messages, "RELOADING=1", Duration.ofSeconds(10)))
            .contains("MONOTONIC_USEC=");
        next(messages, "READY=1", Duration.ofSeconds(10));
        Files.writeString(config, "listeners: [");
        sluice.hangUp();
        next(messages, "RELOADING=1", Duration.ofSeconds(10));
        next(messages, "READY=1", Duration.ofSeconds(10));

        sluice.terminate();
        next(messages, "STOPPING=1", Duration.ofSeconds(10));
        assertThat(sluice.awaitExit(Duration.ofSeconds(30))).isZero();
      } finally {
        receiver.close().sync();
      }
    } finally {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }
  }
}
