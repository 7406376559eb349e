package io.sluice.net;

import static io.sluice.testing.Sockets.connect;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.runtime.SluiceRuntime;
import io.sluice.testing.EchoServer;
import io.sluice.testing.TestConfigs;
import java.net.Socket;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class AcceptSpreadIT {
  @Test
  void aSingleAcceptorPlacesEachConnectionOnTheLeastLoadedEventLoop() throws Exception {
    try (EchoServer echo = new EchoServer()) {
      SluiceRuntime sluice =
          SluiceRuntime.start(
              TestConfigs.tcp().server(echo.address()).listener("reuse_port", "false").build(), 4);
      List<Socket> open = new ArrayList<>();
      try {
        SocketAddress front = sluice.boundAddresses("front").get(0);
        for (int i = 0; i < 41; i++) {
          open.add(connect(front));
        }
        await().until(() -> Arrays.stream(sluice.view().loopConnections()).sum() == 41);
        assertThat(sluice.view().loopConnections()).containsExactlyInAnyOrder(11, 10, 10, 10);

        for (int i = 0; i < 10; i++) {
          open.remove(0).close();
        }
        await().until(() -> Arrays.stream(sluice.view().loopConnections()).sum() == 31);
        for (int i = 0; i < 9; i++) {
          open.add(connect(front));
        }
        await().until(() -> Arrays.stream(sluice.view().loopConnections()).sum() == 40);
        assertThat(sluice.view().loopConnections()).containsOnly(10);
      } finally {
        for (Socket socket : open) {
          socket.close();
        }
        sluice.stop(Duration.ZERO);
      }
    }
  }
}
