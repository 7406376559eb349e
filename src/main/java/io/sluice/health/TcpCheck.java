package io.sluice.health;

import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.sluice.pool.Server;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.function.Consumer;

/** Passes when a TCP (or unix-socket) connection to the server is accepted. */
final class TcpCheck implements HealthCheck {
  private final Duration timeout;
  private final ChannelTypes channels;

  TcpCheck(Duration timeout, ChannelTypes channels) {
    this.timeout = timeout;
    this.channels = channels;
  }

  @Override
  public void run(Server server, EventLoop loop, Consumer<CheckOutcome> done) {
    SocketAddress address = (SocketAddress) server.address();
    Class<? extends Channel> type = channels.forAddress(address);
    ProbeConnection.open(loop, type, address, timeout, done, probe -> null);
  }
}
