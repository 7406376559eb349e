package io.sluice.runtime;

import static io.sluice.testing.ConnectionLoop.echo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.sluice.admin.Control.ReloadResult;
import io.sluice.config.Config;
import io.sluice.config.ConfigLoader;
import io.sluice.config.ConfigResult;
import io.sluice.testing.EchoServer;
import io.sluice.testing.RuntimeTest;
import io.sluice.testing.Sockets;
import java.io.IOException;
import java.net.Socket;
import org.junit.jupiter.api.Test;

/**
 * Reloads that change listeners, in-process: sockets kept, moved, or closed; connections finish.
 */
class ListenerReloadIT extends RuntimeTest {

  private static Config config(String listeners, EchoServer a, EchoServer b) {
    String yaml =
        """
        access_log: {path: "off"}
        listeners:
        %s
        pools:
          - name: a
            servers: [{address: "%s"}]
          - name: b
            servers: [{address: "%s"}]
        """
            .formatted(listeners, a.address(), b.address());
    ConfigResult result = ConfigLoader.parse(yaml, "test.yaml");
    assertThat(result.errors()).isEmpty();
    return result.config();
  }

  private static String listener(String name, int port, String pool) {
    return "  - {name: %s, bind: [\"127.0.0.1:%d\"], pool: %s}".formatted(name, port, pool);
  }

  @Test
  void aKeptBindKeepsItsSocketAndNewConnectionsTakeTheNewSettings() throws Exception {
    EchoServer a = keep(new EchoServer());
    EchoServer b = keep(new EchoServer());
    int port = Sockets.freePort();
    sluice = SluiceRuntime.start(config(listener("front", port, "a"), a, b), 2);
    Socket before = keep(Sockets.connect(Sockets.loopback(port)));
    echo(before, "to a");

    ReloadResult result = sluice.reload(config(listener("front", port, "b"), a, b));

    assertThat(result.applied()).isTrue();
    assertThat(result.summary()).contains("~front");
    try (Socket after = Sockets.connect(Sockets.loopback(port))) {
      echo(after, "to b");
    }
    assertThat(b.accepted()).isEqualTo(1);
    echo(before, "the open connection stays on a");
    assertThat(a.accepted()).isEqualTo(1);
  }

  @Test
  void aChangedBindBindsTheNewAddressAndClosesTheOldWhileItsConnectionsFinish() throws Exception {
    EchoServer a = keep(new EchoServer());
    EchoServer b = keep(new EchoServer());
    int oldPort = Sockets.freePort();
    int newPort = Sockets.freePort();
    sluice = SluiceRuntime.start(config(listener("front", oldPort, "a"), a, b), 2);
    Socket open = keep(Sockets.connect(Sockets.loopback(oldPort)));
    echo(open, "hello");

    assertThat(sluice.reload(config(listener("front", newPort, "a"), a, b)).applied()).isTrue();

    try (Socket moved = Sockets.connect(Sockets.loopback(newPort))) {
      echo(moved, "on the new port");
    }
    assertThatThrownBy(() -> Sockets.connect(Sockets.loopback(oldPort)).close())
        .isInstanceOf(IOException.class);
    echo(open, "the connection accepted on the old port finishes");
  }

  @Test
  void aRemovedListenerStopsAcceptingAndAnAddedOneStarts() throws Exception {
    EchoServer a = keep(new EchoServer());
    EchoServer b = keep(new EchoServer());
    int first = Sockets.freePort();
    int second = Sockets.freePort();
    sluice = SluiceRuntime.start(config(listener("one", first, "a"), a, b), 2);
    Socket open = keep(Sockets.connect(Sockets.loopback(first)));
    echo(open, "hello");

    ReloadResult result = sluice.reload(config(listener("two", second, "b"), a, b));

    assertThat(result.summary()).contains("+two").contains("-one");
    assertThatThrownBy(() -> Sockets.connect(Sockets.loopback(first)).close())
        .isInstanceOf(IOException.class);
    try (Socket added = Sockets.connect(Sockets.loopback(second))) {
      echo(added, "on the added listener");
    }
    echo(open, "the removed listener's connection finishes");
    await().until(() -> sluice.openConnections() == 1);
  }

  @Test
  void aBindThatFailsRefusesTheWholeReloadAndChangesNothing() throws Exception {
    EchoServer a = keep(new EchoServer());
    EchoServer b = keep(new EchoServer());
    int port = Sockets.freePort();
    try (java.net.ServerSocket taken = new java.net.ServerSocket()) {
      taken.bind(Sockets.loopback(0));
      sluice = SluiceRuntime.start(config(listener("front", port, "a"), a, b), 2);

      ReloadResult result =
          sluice.reload(
              config(
                  listener("front", port, "b") + "\n" + listener("more", taken.getLocalPort(), "b"),
                  a,
                  b));

      assertThat(result.applied()).isFalse();
      assertThat(result.errors()).singleElement().asString().contains("more");
      try (Socket client = Sockets.connect(Sockets.loopback(port))) {
        echo(client, "still to a");
      }
      assertThat(a.accepted()).isEqualTo(1);
      assertThat(b.accepted()).isZero();
    }
  }

  @Test
  void aReloadThatChangesAUdpListenerIsRefusedWholeOneThatKeepsItApplies() throws Exception {
    EchoServer a = keep(new EchoServer());
    EchoServer b = keep(new EchoServer());
    int port = Sockets.freePort();
    int udpPort = Sockets.freeUdpPort();
    String udp = "  - {name: sip, bind: [\"127.0.0.1:%d\"], protocol: udp, pool: a}";
    sluice =
        SluiceRuntime.start(
            config(listener("front", port, "a") + "\n" + udp.formatted(udpPort), a, b), 2);

    ReloadResult moved =
        sluice.reload(
            config(listener("front", port, "b") + "\n" + udp.formatted(udpPort + 1), a, b));

    assertThat(moved.applied()).isFalse();
    assertThat(moved.errors())
        .containsExactly("udp listeners are added, removed or changed only at a restart");
    try (Socket still = Sockets.connect(Sockets.loopback(port))) {
      echo(still, "still to a");
    }
    assertThat(a.accepted()).isEqualTo(1);
    assertThat(sluice.boundAddressTexts("sip")).containsExactly("127.0.0.1:" + udpPort);

    ReloadResult kept =
        sluice.reload(config(listener("front", port, "b") + "\n" + udp.formatted(udpPort), a, b));

    assertThat(kept.applied()).isTrue();
    try (Socket after = Sockets.connect(Sockets.loopback(port))) {
      echo(after, "to b");
    }
    assertThat(b.accepted()).isEqualTo(1);
    assertThat(sluice.view().udpListeners()).hasSize(1);
  }
}
