package io.sluice.health;

import io.netty.channel.Channel;
import io.netty.channel.socket.DatagramChannel;
import java.net.SocketAddress;
import java.util.function.Function;

/** The channel types checks open, as the traffic transport chooses them. */
public interface ChannelTypes {
  /** The connecting stream channel type for {@code address}. */
  Class<? extends Channel> forAddress(SocketAddress address);

  /** The datagram channel type, for checks over UDP. */
  Class<? extends DatagramChannel> datagram();

  static ChannelTypes of(
      Function<SocketAddress, Class<? extends Channel>> stream,
      Class<? extends DatagramChannel> datagram) {
    return new ChannelTypes() {
      @Override
      public Class<? extends Channel> forAddress(SocketAddress address) {
        return stream.apply(address);
      }

      @Override
      public Class<? extends DatagramChannel> datagram() {
        return datagram;
      }
    };
  }
}
