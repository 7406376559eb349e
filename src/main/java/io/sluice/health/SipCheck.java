package io.sluice.health;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.ReferenceCountUtil;
import io.sluice.config.HealthConfig;
import io.sluice.config.HealthConfig.SipTransport;
import io.sluice.pool.Server;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;

/**
 * A SIP {@code OPTIONS} request (RFC 3261 §11) over UDP or TCP; passes on any final response, 200
 * to 699, that carries the request's Call-ID and CSeq. Any final status passes because it proves
 * what a check asks: the server's SIP stack receives, parses and answers requests. Many servers
 * answer an out-of-dialog OPTIONS with 404 or 405, and whether they do is their policy, not their
 * health. A provisional response (1xx) keeps the check waiting for the final one, until the
 * timeout; anything else that arrives fails it at once.
 *
 * <p>Over UDP each check has its own datagram channel, bound to loopback for a loopback server and
 * to the wildcard of the server's family otherwise, then connected to the server: the kernel then
 * delivers only the server's datagrams, and its ICMP port unreachable fails the check before the
 * timeout.
 */
final class SipCheck implements HealthCheck {
  private final HealthConfig config;
  private final ChannelTypes channels;

  SipCheck(HealthConfig config, ChannelTypes channels) {
    this.config = config;
    this.channels = channels;
  }

  @Override
  public void run(Server server, EventLoop loop, Consumer<CheckOutcome> done) {
    if (!(server.address() instanceof InetSocketAddress inet)) {
      done.accept(CheckOutcome.failed("a sip check needs an inet address"));
      return;
    }
    InetSocketAddress target =
        new InetSocketAddress(
            inet.getAddress(), config.sipPort() != null ? config.sipPort() : inet.getPort());
    Transaction transaction = Transaction.fresh();
    boolean udp = config.sipTransport() != SipTransport.TCP;
    ProbeConnection.open(
        loop,
        udp ? channels.datagram() : channels.forAddress(target),
        target,
        udp ? bindAddressFor(target.getAddress()) : null,
        config.timeout(),
        done,
        probe -> {
          // Null only if the channel closed already; the reader never sees an answer then.
          InetSocketAddress local =
              probe.channel().localAddress() instanceof InetSocketAddress bound
                  ? bound
                  : bindAddressFor(target.getAddress());
          String request = transaction.request(udp ? "UDP" : "TCP", local, target);
          probe
              .channel()
              .writeAndFlush(Unpooled.copiedBuffer(request, StandardCharsets.ISO_8859_1));
          return new ResponseReader(probe, transaction.callId(), !udp);
        });
  }

  /** A literal address, so no name lookup: loopback for a loopback server, else the wildcard. */
  private static InetSocketAddress bindAddressFor(InetAddress server) {
    boolean v6 = server instanceof Inet6Address;
    String host;
    if (server.isLoopbackAddress()) {
      host = v6 ? "::1" : "127.0.0.1";
    } else {
      host = v6 ? "::" : "0.0.0.0";
    }
    return new InetSocketAddress(host, 0);
  }

  /**
   * The outcome {@code response} gives the transaction with {@code callId}, or null while it is
   * provisional and the check waits on.
   */
  static CheckOutcome judge(SipResponse response, String callId) {
    if (response.problem() != null) {
      return CheckOutcome.failed("malformed response: " + response.problem());
    }
    if (!callId.equals(response.callId())) {
      return CheckOutcome.failed("response to another Call-ID");
    }
    if (!Transaction.CSEQ.equals(response.cseq())) {
      return CheckOutcome.failed("response to another CSeq: " + response.cseq());
    }
    if (response.provisional()) {
      return null;
    }
    return CheckOutcome.passed("status " + response.status());
  }

  /**
   * The identifiers of one OPTIONS transaction; fresh for every check, so that no answer to an
   * earlier check can pass a later one.
   *
   * @param callId the Call-ID, random
   * @param branch the Via branch, with RFC 3261's magic cookie {@code z9hG4bK} (§8.1.1.7)
   * @param tag the From tag
   */
  record Transaction(String callId, String branch, String tag) {
    static final String CSEQ = "1 OPTIONS";

    static Transaction fresh() {
      ThreadLocalRandom random = ThreadLocalRandom.current();
      return new Transaction(
          hex(random.nextLong()) + hex(random.nextLong()) + "@sluice",
          "z9hG4bK" + hex(random.nextLong()) + hex(random.nextLong()),
          hex(random.nextLong()));
    }

    private static String hex(long value) {
      return String.format("%016x", value);
    }

    /**
     * The request, from {@code local} to {@code server}. Via carries {@code rport} (RFC 3581) so
     * that a server answers the port the request came from whatever Via says.
     */
    String request(String transport, InetSocketAddress local, InetSocketAddress server) {
      return """
          OPTIONS sip:%2$s;transport=%3$s SIP/2.0\r
          Via: SIP/2.0/%4$s %1$s;branch=%5$s;rport\r
          Max-Forwards: 70\r
          From: <sip:sluice@%6$s>;tag=%7$s\r
          To: <sip:%2$s>\r
          Call-ID: %8$s\r
          CSeq: %9$s\r
          Contact: <sip:sluice@%1$s;transport=%3$s>\r
          Accept: application/sdp\r
          User-Agent: sluice-health-check\r
          Content-Length: 0\r
          \r
          """
          .formatted(
              hostPort(local),
              hostPort(server),
              transport.toLowerCase(Locale.ROOT),
              transport,
              branch,
              host(local.getAddress()),
              tag,
              callId,
              CSEQ);
    }

    private static String hostPort(InetSocketAddress address) {
      return host(address.getAddress()) + ":" + address.getPort();
    }

    /** A URI host: IPv6 in brackets and without a scope (RFC 3261 §25.1 IPv6reference). */
    private static String host(InetAddress address) {
      String text = address.getHostAddress();
      if (address instanceof Inet6Address) {
        int scope = text.indexOf('%');
        return "[" + (scope < 0 ? text : text.substring(0, scope)) + "]";
      }
      return text;
    }
  }

  /**
   * Reads responses until the final one: one per datagram over UDP; over TCP as many as the stream
   * holds, each framed by its Content-Length.
   */
  static final class ResponseReader extends ChannelInboundHandlerAdapter {
    private final ProbeConnection probe;
    private final String callId;
    private final boolean stream;
    private final StringBuilder received = new StringBuilder();

    ResponseReader(ProbeConnection probe, String callId, boolean stream) {
      this.probe = probe;
      this.callId = callId;
      this.stream = stream;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object message) {
      try {
        ByteBuf bytes =
            message instanceof DatagramPacket packet
                ? packet.content()
                : message instanceof ByteBuf buffer ? buffer : null;
        if (bytes == null) {
          return;
        }
        String text = bytes.toString(StandardCharsets.ISO_8859_1);
        if (stream) {
          onStreamBytes(text);
        } else {
          onMessage(SipResponse.parseDatagram(text));
        }
      } finally {
        ReferenceCountUtil.release(message);
      }
    }

    private void onStreamBytes(String text) {
      received.append(text);
      SipResponse response;
      while ((response = SipResponse.parseStream(received)) != SipResponse.INCOMPLETE) {
        received.delete(0, response.length());
        if (!onMessage(response)) {
          return;
        }
      }
    }

    /** Judges one message; false once the check has its outcome. */
    private boolean onMessage(SipResponse response) {
      CheckOutcome outcome = judge(response, callId);
      if (outcome == null) {
        return true;
      }
      probe.report(outcome);
      return false;
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      probe.report(CheckOutcome.failed("closed before a final response"));
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      probe.report(
          CheckOutcome.failed(
              cause instanceof PortUnreachableException
                  ? "port unreachable"
                  : "receive failed: " + cause.getMessage()));
    }
  }
}
