package io.sluice.health;

import io.netty.channel.Channel;
import java.net.SocketAddress;

/** The client channel type for an address, as the traffic transport chooses it. */
@FunctionalInterface
public interface ChannelTypes {
  Class<? extends Channel> forAddress(SocketAddress address);
}
