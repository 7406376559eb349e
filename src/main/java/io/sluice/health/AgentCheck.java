package io.sluice.health;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.netty.handler.codec.string.StringDecoder;
import io.sluice.pool.Server;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * HAProxy's agent-check protocol: connect to the server's agent port and read one line of words,
 * such as {@code up}, {@code down}, {@code drain}, {@code maint}, {@code ready}, {@code 75%} or
 * {@code maxconn:5} (the server's limit is capped at 5 until another {@code maxconn} lifts it). The
 * check passes unless the agent says {@code down} (or {@code fail}, {@code stopped}); the words
 * that change the server's state or weight travel with the outcome.
 */
final class AgentCheck implements HealthCheck {
  private static final int MAX_LINE = 512;

  private final Duration timeout;
  private final int agentPort;
  private final ChannelTypes channels;

  AgentCheck(Duration timeout, int agentPort, ChannelTypes channels) {
    this.timeout = timeout;
    this.agentPort = agentPort;
    this.channels = channels;
  }

  @Override
  public void run(Server server, EventLoop loop, Consumer<CheckOutcome> done) {
    if (!(server.address() instanceof InetSocketAddress inet)) {
      done.accept(CheckOutcome.failed("an agent needs an inet address"));
      return;
    }
    SocketAddress agent = new InetSocketAddress(inet.getAddress(), agentPort);
    ProbeConnection.open(
        loop,
        channels.forAddress(agent),
        agent,
        timeout,
        done,
        probe -> {
          probe
              .channel()
              .pipeline()
              .addLast(
                  new LineBasedFrameDecoder(MAX_LINE, true, false),
                  new StringDecoder(StandardCharsets.US_ASCII));
          return new LineReader(probe);
        });
  }

  /** Reads the agent's one line. */
  private static final class LineReader extends SimpleChannelInboundHandler<String> {
    private final ProbeConnection probe;

    LineReader(ProbeConnection probe) {
      this.probe = probe;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, String line) {
      probe.report(judge(line));
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      probe.report(CheckOutcome.failed("agent closed without a line"));
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      probe.report(CheckOutcome.failed("agent: " + cause.getMessage()));
    }
  }

  /** The outcome for one agent line; the last state word wins, as in HAProxy. */
  static CheckOutcome judge(String line) {
    String state = null;
    int weight = -1;
    int maxConnections = -1;
    boolean down = false;
    for (String token : line.trim().toLowerCase(Locale.ROOT).split("[\\s,]+")) {
      switch (token) {
        case "down", "fail", "failed", "stopped" -> down = true;
        case "up" -> {
          down = false;
          state = token;
        }
        case "ready", "drain", "maint" -> state = token;
        default -> {
          if (token.matches("\\d{1,3}%")) {
            weight = percent(token);
          } else if (token.matches("maxconn:\\d{1,9}")) {
            maxConnections = Integer.parseInt(token.substring("maxconn:".length()));
          }
        }
      }
    }
    return new CheckOutcome(!down, "agent: " + line.trim(), state, weight, maxConnections);
  }

  private static int percent(String token) {
    return Math.min(100, Integer.parseInt(token.substring(0, token.length() - 1)));
  }
}
