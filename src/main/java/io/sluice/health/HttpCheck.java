package io.sluice.health;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpVersion;
import io.sluice.config.HealthConfig;
import io.sluice.pool.Server;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * An HTTP/1.1 request on a fresh connection; passes when the status is in the expected range and
 * the body contains the expected text. Bodies are read up to 64 KiB: a check is not a download.
 */
final class HttpCheck implements HealthCheck {
  private static final int MAX_BODY = 64 * 1024;

  private final HealthConfig config;
  private final ChannelTypes channels;
  private final int lowestStatus;
  private final int highestStatus;

  HttpCheck(HealthConfig config, ChannelTypes channels) {
    this.config = config;
    this.channels = channels;
    String[] range = config.expectStatus().split("-");
    this.lowestStatus = Integer.parseInt(range[0]);
    this.highestStatus = Integer.parseInt(range[range.length - 1]);
  }

  @Override
  public void run(Server server, EventLoop loop, Consumer<CheckOutcome> done) {
    SocketAddress address = (SocketAddress) server.address();
    ProbeConnection.open(
        loop,
        channels.forAddress(address),
        address,
        config.timeout(),
        done,
        probe -> {
          probe
              .channel()
              .pipeline()
              .addLast(new HttpClientCodec(), new HttpObjectAggregator(MAX_BODY));
          probe.channel().writeAndFlush(request(server));
          return new ResponseReader(probe);
        });
  }

  private FullHttpRequest request(Server server) {
    FullHttpRequest request =
        new DefaultFullHttpRequest(
            HttpVersion.HTTP_1_1,
            HttpMethod.valueOf(config.method()),
            config.path(),
            Unpooled.EMPTY_BUFFER);
    request
        .headers()
        .set(HttpHeaderNames.HOST, config.host() != null ? config.host() : authority(server))
        .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE)
        .set(HttpHeaderNames.USER_AGENT, "sluice-health-check");
    return request;
  }

  /**
   * The server's host and port as its address names them: the configured {@code host:port}, or for
   * a server found through DNS the name it was found by, never its {@code NAME#ip:port} label.
   */
  static String authority(Server server) {
    if (server.address() instanceof InetSocketAddress inet) {
      String host = inet.getHostString();
      return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + inet.getPort();
    }
    return server.name();
  }

  /** Judges the response. */
  private final class ResponseReader extends SimpleChannelInboundHandler<FullHttpResponse> {
    private final ProbeConnection probe;

    ResponseReader(ProbeConnection probe) {
      this.probe = probe;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse response) {
      int status = response.status().code();
      if (status < lowestStatus || status > highestStatus) {
        probe.report(CheckOutcome.failed("status " + status));
      } else if (config.bodyContains() != null
          && !response.content().toString(StandardCharsets.UTF_8).contains(config.bodyContains())) {
        probe.report(CheckOutcome.failed("status " + status + ", body lacks the expected text"));
      } else {
        probe.report(CheckOutcome.passed("status " + status));
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      probe.report(CheckOutcome.failed("closed before a response"));
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      probe.report(CheckOutcome.failed("bad response: " + cause.getMessage()));
    }
  }
}
