package io.sluice.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2PingFrame;
import io.netty.handler.codec.http2.Http2PingFrame;
import io.netty.handler.codec.http2.Http2SettingsFrame;
import io.netty.handler.codec.http2.Http2WindowUpdateFrame;
import io.netty.util.ReferenceCountUtil;
import org.junit.jupiter.api.Test;

class BdpWindowTest {
  private static void data(EmbeddedChannel channel, int bytes) {
    channel.writeInbound(new DefaultHttp2DataFrame(Unpooled.wrappedBuffer(new byte[bytes])));
    ReferenceCountUtil.release(channel.readInbound());
  }

  @Test
  void aRoundTripFullOfDataGrowsTheWindowToTwiceTheSample() {
    BdpWindow bdp = new BdpWindow();
    EmbeddedChannel channel = new EmbeddedChannel(bdp);
    data(channel, 16_384);
    Http2PingFrame ping = channel.readOutbound();
    assertThat(ping.ack()).isFalse();
    for (int i = 0; i < 9; i++) {
      data(channel, 16_384);
    }
    channel.writeInbound(new DefaultHttp2PingFrame(ping.content(), true));

    Http2WindowUpdateFrame update = channel.readOutbound();
    Http2SettingsFrame settings = channel.readOutbound();
    assertThat(bdp.window()).isEqualTo(2 * 10 * 16_384);
    assertThat(update.windowSizeIncrement()).isEqualTo(2 * 10 * 16_384 - BdpWindow.INITIAL_WINDOW);
    assertThat(settings.settings().initialWindowSize()).isEqualTo(2 * 10 * 16_384);
    Object passedOn = channel.readInbound();
    assertThat(passedOn).as("our own PING ACK is not passed on").isNull();
  }

  @Test
  void aTrickleLeavesTheWindowAlone() {
    BdpWindow bdp = new BdpWindow();
    EmbeddedChannel channel = new EmbeddedChannel(bdp);
    data(channel, 1_000);
    Http2PingFrame ping = channel.readOutbound();
    channel.writeInbound(new DefaultHttp2PingFrame(ping.content(), true));

    Object written = channel.readOutbound();
    assertThat(written).isNull();
    assertThat(bdp.window()).isEqualTo(BdpWindow.INITIAL_WINDOW);
  }

  @Test
  void thePeersOwnPingsPassThrough() {
    EmbeddedChannel channel = new EmbeddedChannel(new BdpWindow());
    channel.writeInbound(new DefaultHttp2PingFrame(42, true));
    Object passedOn = channel.readInbound();
    assertThat(passedOn).isInstanceOf(Http2PingFrame.class);
  }
}
