package io.sluice.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.pool.Server;
import io.sluice.pool.ServerState;
import io.sluice.runtime.SluiceRuntime;
import io.sluice.testing.SippPeer;
import io.sluice.testing.TestConfigs;
import java.net.InetSocketAddress;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The sip check against a real SIP server, SIPp, on loopback. */
class SipHealthCheckIT {
  /**
   * Three seconds: longer than it takes two failed checks to take a server down when each fails at
   * once, so a test that sees the server down sooner knows the checks did not wait for it.
   */
  private static final String CHECK_TIMEOUT = "3s";

  @RegisterExtension final SippPeer sipp = new SippPeer();

  private SluiceRuntime sluice;

  @AfterEach
  void stop() {
    if (sluice != null) {
      sluice.stop(Duration.ZERO);
    }
  }

  private Server server() {
    return sluice.pool("back").servers().get(0);
  }

  private void startSluiceChecking(InetSocketAddress sip, String transport, String timeout)
      throws Exception {
    sluice =
        SluiceRuntime.start(
            TestConfigs.tcp()
                .server("127.0.0.1:" + sip.getPort())
                .pool(
                    "health",
                    "{check: sip, sip_transport: "
                        + transport
                        + ", interval: 200ms, timeout: "
                        + timeout
                        + ", rise: 1, fall: 2}")
                .build(),
            2);
  }

  /** Servers start up; only checks answered again and again keep one up for two seconds. */
  private void assertStaysUpWhileSippAnswers() throws Exception {
    long before = sipp.requestsReceived("OPTIONS");
    await()
        .during(Duration.ofSeconds(2))
        .atMost(Duration.ofSeconds(5))
        .until(() -> server().state() == ServerState.UP);
    assertThat(sipp.requestsReceived("OPTIONS") - before).isGreaterThanOrEqualTo(5);
  }

  private void assertGoesDownQuicklyOnceSippIsKilled() {
    sipp.kill();
    long killed = System.nanoTime();
    await().atMost(Duration.ofSeconds(8)).until(() -> server().state() == ServerState.DOWN);
    // Two failures are needed. A check in flight when sipp died may wait out its 3 s timeout; the
    // next one, a fast interval (500 ms) later, fails at once: port unreachable over UDP, connect
    // refused over TCP. Two timeouts would take more than 6 s.
    assertThat(Duration.ofNanos(System.nanoTime() - killed)).isLessThan(Duration.ofMillis(4500));
  }

  @Test
  void keepsAnAnsweringSipServerUpOverUdpAndTakesItDownWhenItDiesUntilItComesBack()
      throws Exception {
    InetSocketAddress sip = sipp.start(SippPeer.ANSWER_OPTIONS, SippPeer.Transport.UDP);
    startSluiceChecking(sip, "udp", CHECK_TIMEOUT);

    assertStaysUpWhileSippAnswers();
    assertGoesDownQuicklyOnceSippIsKilled();

    sipp.restart();
    await().atMost(Duration.ofSeconds(5)).until(() -> server().state() == ServerState.UP);
    assertStaysUpWhileSippAnswers();
  }

  @Test
  void keepsAnAnsweringSipServerUpOverTcpAndTakesItDownWhenItDiesUntilItComesBack()
      throws Exception {
    InetSocketAddress sip = sipp.start(SippPeer.ANSWER_OPTIONS, SippPeer.Transport.TCP);
    startSluiceChecking(sip, "tcp", CHECK_TIMEOUT);

    assertStaysUpWhileSippAnswers();
    assertGoesDownQuicklyOnceSippIsKilled();

    sipp.restart();
    await().atMost(Duration.ofSeconds(5)).until(() -> server().state() == ServerState.UP);
  }

  @Test
  void takesDownAServerThatAnswersOnly100TryingAtTheTimeout() throws Exception {
    InetSocketAddress sip =
        sipp.start(
            SippPeer.ANSWER_OPTIONS.replace("SIP/2.0 200 OK", "SIP/2.0 100 Trying"),
            SippPeer.Transport.UDP);
    startSluiceChecking(sip, "udp", "300ms");

    await().atMost(Duration.ofSeconds(5)).until(() -> server().state() == ServerState.DOWN);
    assertThat(sipp.requestsReceived("OPTIONS")).isGreaterThanOrEqualTo(2);
  }
}
