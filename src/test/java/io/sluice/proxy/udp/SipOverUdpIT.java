package io.sluice.proxy.udp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.pool.Server;
import io.sluice.pool.ServerState;
import io.sluice.runtime.SluiceRuntime;
import io.sluice.testing.RuntimeTest;
import io.sluice.testing.SippPeer;
import io.sluice.testing.TestConfigs;
import java.net.InetSocketAddress;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Real SIP calls through a udp listener: SIPp's built-in UAC places calls through Sluice to two
 * SIPp servers, which Sluice also checks with SIP OPTIONS.
 */
class SipOverUdpIT extends RuntimeTest {
  @RegisterExtension final SippPeer first = new SippPeer();
  @RegisterExtension final SippPeer second = new SippPeer();
  @RegisterExtension final SippPeer caller = new SippPeer();

  private InetSocketAddress firstAddress;
  private InetSocketAddress secondAddress;

  private void startServersAndSluice() throws Exception {
    firstAddress = first.start(SippPeer.ANSWER_CALLS_AND_OPTIONS, SippPeer.Transport.UDP);
    secondAddress = second.start(SippPeer.ANSWER_CALLS_AND_OPTIONS, SippPeer.Transport.UDP);
    sluice =
        SluiceRuntime.start(
            TestConfigs.udp()
                .udp("{affinity: sip_call_id}")
                .server("127.0.0.1:" + firstAddress.getPort())
                .server("127.0.0.1:" + secondAddress.getPort())
                .pool(
                    "health",
                    "{check: sip, interval: 200ms, fast_interval: 200ms, timeout: 1s, rise: 1,"
                        + " fall: 2}")
                .build(),
            2);
    // Both are checked and answer before any call is placed.
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () -> first.requestsReceived("OPTIONS") > 0 && second.requestsReceived("OPTIONS") > 0);
  }

  private InetSocketAddress front() {
    return (InetSocketAddress) sluice.boundAddresses("front").get(0);
  }

  private Server server(InetSocketAddress sipp) {
    return sluice.pool("back").servers().stream()
        .filter(s -> s.name().equals("127.0.0.1:" + sipp.getPort()))
        .findFirst()
        .orElseThrow();
  }

  @Test
  void completesEveryCallSpreadOverBothServersWithEachDialogOnOne() throws Exception {
    startServersAndSluice();

    int status = caller.runCalls(front(), 20, 10, Duration.ofSeconds(30));

    assertThat(status).as("SIPp's exit status: 0 when every call succeeded").isZero();
    long invitesFirst = first.requestsReceived("INVITE");
    long invitesSecond = second.requestsReceived("INVITE");
    assertThat(invitesFirst + invitesSecond).isEqualTo(20);
    assertThat(invitesFirst).isPositive();
    assertThat(invitesSecond).isPositive();
    // Each server ended the calls it began: the ACK and BYE of a call follow its INVITE.
    assertThat(first.requestsReceived("BYE")).isEqualTo(invitesFirst);
    assertThat(second.requestsReceived("BYE")).isEqualTo(invitesSecond);
    assertThat(sluice.udpStats("front").flowsCreated()).isEqualTo(20);
  }

  @Test
  void movesNewCallsToTheOtherServerOnceTheChecksSeeOneDie() throws Exception {
    startServersAndSluice();
    assertThat(caller.runCalls(front(), 10, 10, Duration.ofSeconds(30))).isZero();
    assertThat(first.requestsReceived("INVITE")).isPositive();

    first.kill();
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> server(firstAddress).state() == ServerState.DOWN);
    long before = second.requestsReceived("INVITE");
    int status = caller.runCalls(front(), 20, 10, Duration.ofSeconds(30));

    assertThat(status).as("no call fails once the dead server is known").isZero();
    assertThat(second.requestsReceived("INVITE") - before).isEqualTo(20);
  }
}
