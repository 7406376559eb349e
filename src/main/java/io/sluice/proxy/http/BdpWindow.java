package io.sluice.proxy.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.DefaultHttp2PingFrame;
import io.netty.handler.codec.http2.DefaultHttp2SettingsFrame;
import io.netty.handler.codec.http2.DefaultHttp2WindowUpdateFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2PingFrame;
import io.netty.handler.codec.http2.Http2Settings;
import java.util.concurrent.TimeUnit;

/**
 * Sizes an HTTP/2 connection's receive windows from its measured bandwidth-delay product, as gRPC's
 * BDP estimator does: while data arrives, a PING goes out; the bytes received until its ACK are one
 * round trip's worth. When a sample comes near the window, the connection window and the streams'
 * initial window grow to twice the sample, up to {@link #MAX_WINDOW}. A 64 KiB default window caps
 * one stream at 64 KiB per round trip, which on a 20 ms path is 3 MB/s.
 *
 * <p>At most one PING is outstanding, and none once the window is at its maximum. Threads: the
 * connection's event loop.
 */
final class BdpWindow extends ChannelInboundHandlerAdapter {
  /** 16 MiB: a 10 Gbit/s path with 13 ms of round trip; beyond it memory per connection grows. */
  static final int MAX_WINDOW = 16 * 1024 * 1024;

  /** RFC 9113's initial window. */
  static final int INITIAL_WINDOW = 65_535;

  /** The payload of Sluice's own PINGs, told apart from the peer's. */
  private static final long PING_PAYLOAD = 0x51_17CE_B0B0_0001L;

  private static final long MIN_PING_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

  private int window = INITIAL_WINDOW;
  private boolean pinging;
  private long pingSentNanos;
  private long bytesSincePing;

  int window() {
    return window;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof Http2DataFrame data) {
      bytesSincePing += data.initialFlowControlledBytes();
      long now = System.nanoTime();
      if (!pinging && window < MAX_WINDOW && now - pingSentNanos >= MIN_PING_INTERVAL_NANOS) {
        pinging = true;
        pingSentNanos = now;
        bytesSincePing = data.initialFlowControlledBytes();
        ctx.writeAndFlush(new DefaultHttp2PingFrame(PING_PAYLOAD), ctx.voidPromise());
      }
    } else if (msg instanceof Http2PingFrame ping && ping.ack() && ping.content() == PING_PAYLOAD) {
      pinging = false;
      grow(ctx, bytesSincePing);
      return;
    }
    ctx.fireChannelRead(msg);
  }

  private void grow(ChannelHandlerContext ctx, long sample) {
    if (sample * 3 < (long) window * 2 || window >= MAX_WINDOW) {
      return;
    }
    int target = (int) Math.min(MAX_WINDOW, sample * 2);
    if (target <= window) {
      return;
    }
    ctx.write(new DefaultHttp2WindowUpdateFrame(target - window), ctx.voidPromise());
    ctx.write(
        new DefaultHttp2SettingsFrame(new Http2Settings().initialWindowSize(target)),
        ctx.voidPromise());
    ctx.flush();
    window = target;
  }
}
