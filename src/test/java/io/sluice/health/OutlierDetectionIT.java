package io.sluice.health;

import static io.sluice.testing.Sockets.connect;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.runtime.SluiceRuntime;
import io.sluice.testing.EchoServer;
import io.sluice.testing.RuntimeTest;
import io.sluice.testing.ScriptedServer;
import io.sluice.testing.TestConfigs;
import java.net.Socket;
import java.net.SocketAddress;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class OutlierDetectionIT extends RuntimeTest {

  /** Sends a byte and waits for its echo: the connection worked end to end. */
  private void roundTrip(SocketAddress front) throws Exception {
    try (Socket client = connect(front)) {
      client.getOutputStream().write('x');
      assertThat(client.getInputStream().read())
          .as(() -> "ended: " + sluice.stats("front").terminations().snapshot())
          .isEqualTo('x');
    }
  }

  @Test
  void ejectsAServerThatAcceptsButResetsEveryConnectionAndNeverMoreThanTheAllowedShare()
      throws Exception {
    ScriptedServer resetting = keep(ScriptedServer.resetting());
    ScriptedServer alsoResetting = keep(ScriptedServer.resetting());
    EchoServer good = keep(new EchoServer());
    EchoServer alsoGood = keep(new EchoServer());
    sluice =
        SluiceRuntime.start(
            TestConfigs.tcp()
                .server(resetting.address())
                .server(alsoResetting.address())
                .server(good.address())
                .server(alsoGood.address())
                .pool("outlier", "{consecutive_failures: 3, base_ejection: 30s, max_ejected: 25%}")
                .pool("retry", "{attempts: 3, budget: 100%}")
                .build(),
            2);
    SocketAddress front = sluice.boundAddresses("front").get(0);

    for (int i = 0; i < 40; i++) {
      roundTrip(front);
    }
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> sluice.pool("back").servers().stream().filter(s -> s.ejected()).count() == 1);
    // A quarter of four servers: one ejection at most, though both resetting servers qualify.
    int resetsBefore = resetting.accepted() + alsoResetting.accepted();
    for (int i = 0; i < 20; i++) {
      roundTrip(front);
    }
    assertThat(resetting.accepted() + alsoResetting.accepted() - resetsBefore).isPositive();
    assertThat(sluice.pool("back").servers().stream().filter(s -> s.ejected()).count())
        .isEqualTo(1);
  }

  @Test
  void readmitsAnEjectedServerOnTrialAndEjectsItAgainAtItsFirstFailure() throws Exception {
    ScriptedServer resetting = keep(ScriptedServer.resetting());
    EchoServer good = keep(new EchoServer());
    sluice =
        SluiceRuntime.start(
            TestConfigs.tcp()
                .server(resetting.address())
                .server(good.address())
                .pool(
                    "outlier", "{consecutive_failures: 2, base_ejection: 300ms, max_ejected: 50%}")
                .pool("retry", "{attempts: 2, budget: 100%}")
                .build(),
            2);
    SocketAddress front = sluice.boundAddresses("front").get(0);
    for (int i = 0; i < 6; i++) {
      roundTrip(front);
    }
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> sluice.pool("back").servers().get(0).ejected());
    int acceptedWhileOut = resetting.accepted();

    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> !sluice.pool("back").servers().get(0).ejected());
    for (int i = 0; i < 4; i++) {
      roundTrip(front);
    }
    // Back on trial, one failed connection was enough to eject it again.
    assertThat(resetting.accepted() - acceptedWhileOut).isEqualTo(1);
    assertThat(sluice.pool("back").servers().get(0).ejected()).isTrue();
  }
}
