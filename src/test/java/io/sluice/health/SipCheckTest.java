package io.sluice.health;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DatagramPacket;
import io.sluice.health.SipCheck.Transaction;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The OPTIONS request a sip check sends, and how it judges what comes back. */
class SipCheckTest {
  private static final Duration TIMEOUT = Duration.ofMillis(500);
  private static final String CALL_ID = "5f2c9e4b1a7d3c60@sluice";
  private static final InetSocketAddress LOCAL = new InetSocketAddress("127.0.0.1", 40000);
  private static final InetSocketAddress SERVER = new InetSocketAddress("127.0.0.1", 5060);

  private final List<CheckOutcome> outcomes = new ArrayList<>();
  private EmbeddedChannel channel;

  @AfterEach
  void closeChannel() {
    if (channel != null) {
      channel.finishAndReleaseAll();
    }
  }

  static String response(String startLine, String callId, String cseq) {
    return startLine
        + "\r\n"
        + "Via: SIP/2.0/UDP 127.0.0.1:40000;branch=z9hG4bK77;rport=40000\r\n"
        + "From: <sip:sluice@127.0.0.1>;tag=1f\r\n"
        + "To: <sip:127.0.0.1:5060>;tag=2938SIPpTag011\r\n"
        + "Call-ID: "
        + callId
        + "\r\n"
        + "CSeq: "
        + cseq
        + "\r\n"
        + "Content-Length: 0\r\n"
        + "\r\n";
  }

  static String response(String startLine) {
    return response(startLine, CALL_ID, "1 OPTIONS");
  }

  /** A reader watched by a probe, as {@link SipCheck} sets it up, on an embedded channel. */
  private EmbeddedChannel reader(boolean stream) {
    channel = new EmbeddedChannel();
    ProbeConnection probe = ProbeConnection.watching(channel, TIMEOUT, outcomes::add);
    channel.pipeline().addLast(new SipCheck.ResponseReader(probe, CALL_ID, stream));
    return channel;
  }

  private void receiveDatagram(String text) {
    channel.writeInbound(
        new DatagramPacket(
            Unpooled.copiedBuffer(text, StandardCharsets.ISO_8859_1), LOCAL, SERVER));
  }

  private void receiveStream(String text) {
    channel.writeInbound(Unpooled.copiedBuffer(text, StandardCharsets.ISO_8859_1));
  }

  private void letTheTimeoutPass() {
    channel.advanceTimeBy(TIMEOUT.toMillis() + 1, TimeUnit.MILLISECONDS);
    channel.runScheduledPendingTasks();
  }

  @Test
  void buildsAnOptionsRequestWithTheHeadersRfc3261Asks() {
    Transaction transaction = new Transaction(CALL_ID, "z9hG4bK0123abcd", "7e1d");

    assertThat(transaction.request("UDP", LOCAL, SERVER))
        .isEqualTo(
            """
            OPTIONS sip:127.0.0.1:5060;transport=udp SIP/2.0\r
            Via: SIP/2.0/UDP 127.0.0.1:40000;branch=z9hG4bK0123abcd;rport\r
            Max-Forwards: 70\r
            From: <sip:sluice@127.0.0.1>;tag=7e1d\r
            To: <sip:127.0.0.1:5060>\r
            Call-ID: 5f2c9e4b1a7d3c60@sluice\r
            CSeq: 1 OPTIONS\r
            Contact: <sip:sluice@127.0.0.1:40000;transport=udp>\r
            Accept: application/sdp\r
            User-Agent: sluice-health-check\r
            Content-Length: 0\r
            \r
            """);
  }

  @Test
  void bracketsIpv6HostsAndNamesTcpInViaAndUris() {
    Transaction transaction = new Transaction(CALL_ID, "z9hG4bK1", "1");
    String request =
        transaction.request(
            "TCP", new InetSocketAddress("::1", 40000), new InetSocketAddress("::1", 5060));

    assertThat(request)
        .startsWith("OPTIONS sip:[0:0:0:0:0:0:0:1]:5060;transport=tcp SIP/2.0\r\n")
        .contains("Via: SIP/2.0/TCP [0:0:0:0:0:0:0:1]:40000;branch=z9hG4bK1;rport\r\n")
        .contains("Contact: <sip:sluice@[0:0:0:0:0:0:0:1]:40000;transport=tcp>\r\n");
  }

  @Test
  void givesEveryCheckItsOwnCallIdBranchAndTag() {
    Transaction first = Transaction.fresh();
    Transaction second = Transaction.fresh();

    assertThat(first.branch()).startsWith("z9hG4bK").hasSizeGreaterThan(7 + 16);
    assertThat(second.callId()).isNotEqualTo(first.callId());
    assertThat(second.branch()).isNotEqualTo(first.branch());
    assertThat(second.tag()).isNotEqualTo(first.tag());
  }

  @Test
  void passesOnA200CarryingTheRequestsCallIdAndCseq() {
    reader(false);
    receiveDatagram(response("SIP/2.0 200 OK"));

    assertThat(outcomes).containsExactly(CheckOutcome.passed("status 200"));
    assertThat(channel.isOpen()).isFalse();
  }

  @Test
  void passesOnA404BecauseAnyFinalResponseShowsTheSipStackAnswers() {
    reader(false);
    receiveDatagram(response("SIP/2.0 404 Not Found"));

    assertThat(outcomes).containsExactly(CheckOutcome.passed("status 404"));
  }

  @Test
  void waitsThroughA100TryingAndFailsAtTheTimeoutWhenNothingFollows() {
    reader(false);
    receiveDatagram(response("SIP/2.0 100 Trying"));
    assertThat(outcomes).isEmpty();

    letTheTimeoutPass();

    assertThat(outcomes).containsExactly(CheckOutcome.failed("timeout after 500 ms"));
  }

  @Test
  void passesOnTheFinalResponseThatFollowsA100Trying() {
    reader(false);
    receiveDatagram(response("SIP/2.0 100 Trying"));
    receiveDatagram(response("SIP/2.0 200 OK"));

    assertThat(outcomes).containsExactly(CheckOutcome.passed("status 200"));
  }

  @Test
  void failsOnAResponseToAnotherCallId() {
    reader(false);
    receiveDatagram(response("SIP/2.0 200 OK", "someone-else@10.0.0.9", "1 OPTIONS"));

    assertThat(outcomes).containsExactly(CheckOutcome.failed("response to another Call-ID"));
  }

  @Test
  void failsOnAResponseToAnotherCseq() {
    reader(false);
    receiveDatagram(response("SIP/2.0 200 OK", CALL_ID, "2 OPTIONS"));
    reader(false);
    receiveDatagram(response("SIP/2.0 200 OK", CALL_ID, "1 INVITE"));

    assertThat(outcomes)
        .containsExactly(
            CheckOutcome.failed("response to another CSeq: 2 OPTIONS"),
            CheckOutcome.failed("response to another CSeq: 1 INVITE"));
  }

  @Test
  void failsAtOnceOnGarbage() {
    reader(false);
    receiveDatagram("\u0016\u0003\u0001\u0000\u00a5\u0001\u0000\u0000\u00a1\u0003\u0003");

    assertThat(outcomes)
        .containsExactly(CheckOutcome.failed("malformed response: no end of headers"));
  }

  @Test
  void failsOnPortUnreachable() {
    reader(false);
    channel.pipeline().fireExceptionCaught(new PortUnreachableException("ICMP"));

    assertThat(outcomes).containsExactly(CheckOutcome.failed("port unreachable"));
  }

  @Test
  void readsAProvisionalAndAFinalResponseFromOneStreamRead() {
    reader(true);
    receiveStream(response("SIP/2.0 100 Trying") + response("SIP/2.0 486 Busy Here"));

    assertThat(outcomes).containsExactly(CheckOutcome.passed("status 486"));
  }

  @Test
  void waitsForTheRestOfAResponseSplitAcrossStreamReads() {
    reader(true);
    String whole =
        response("SIP/2.0 200 OK")
            .replace("Content-Length: 0", "Content-Length: 13")
            .concat("Allow: INVITE");
    receiveStream(whole.substring(0, 40));
    receiveStream(whole.substring(40, whole.length() - 2));
    assertThat(outcomes).isEmpty();

    receiveStream(whole.substring(whole.length() - 2));

    assertThat(outcomes).containsExactly(CheckOutcome.passed("status 200"));
  }

  @Test
  void failsWhenTheServerClosesTheStreamBeforeAFinalResponse() {
    reader(true);
    receiveStream(response("SIP/2.0 180 Ringing"));
    channel.close();

    assertThat(outcomes).containsExactly(CheckOutcome.failed("closed before a final response"));
  }

  @Test
  void judgesNothingButTheExpectedCallIdAndCseqAsPassing() {
    assertThat(SipCheck.judge(SipResponse.parseDatagram(response("SIP/2.0 603 Decline")), CALL_ID))
        .isEqualTo(CheckOutcome.passed("status 603"));
    assertThat(SipCheck.judge(SipResponse.parseDatagram(response("SIP/2.0 183 Progress")), CALL_ID))
        .isNull();
    assertThat(
            SipCheck.judge(SipResponse.parseDatagram(response("SIP/2.0 200 OK")), "other@sluice"))
        .isEqualTo(CheckOutcome.failed("response to another Call-ID"));
  }

  @Test
  void neverPassesAndNeverThrowsOnRandomOrMangledBytes() {
    Random random = new Random(20_260_101);
    String valid = response("SIP/2.0 200 OK");
    for (int i = 0; i < 20_000; i++) {
      char[] text;
      if (i % 2 == 0) {
        text = new char[random.nextInt(600)];
        for (int j = 0; j < text.length; j++) {
          text[j] = (char) random.nextInt(256);
        }
      } else {
        text = valid.toCharArray();
        for (int flips = 1 + random.nextInt(4); flips > 0; flips--) {
          text[random.nextInt(text.length)] = (char) random.nextInt(256);
        }
      }
      String mangled = new String(text);
      SipResponse datagram = SipResponse.parseDatagram(mangled);
      SipResponse stream = SipResponse.parseStream(mangled);
      if (i % 2 == 0) {
        assertThat(datagram.problem()).isNotNull();
        assertThat(SipCheck.judge(datagram, CALL_ID).ok()).isFalse();
      }
      assertThat(stream).isNotNull();
    }
  }
}
