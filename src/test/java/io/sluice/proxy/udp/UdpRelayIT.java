package io.sluice.proxy.udp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.observe.TerminationState;
import io.sluice.pool.Server;
import io.sluice.pool.ServerState;
import io.sluice.runtime.SluiceRuntime;
import io.sluice.testing.RuntimeTest;
import io.sluice.testing.TestConfigs;
import io.sluice.testing.UdpClient;
import io.sluice.testing.UdpServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The udp listener against fake servers and clients of the test's own, on loopback. */
class UdpRelayIT extends RuntimeTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  private InetSocketAddress front() {
    return (InetSocketAddress) sluice.boundAddresses("front").get(0);
  }

  private UdpStats stats() {
    return sluice.udpStats("front");
  }

  private static String sip(String method, String callIdHeader) {
    return method
        + " sip:bob@example.com SIP/2.0\r\n"
        + "Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK-1\r\n"
        + "From: <sip:alice@example.com>;tag=1\r\n"
        + callIdHeader
        + "\r\n"
        + "CSeq: 1 "
        + method
        + "\r\n"
        + "Content-Length: 0\r\n\r\n";
  }

  private static String callIdOf(String message) {
    for (String line : message.split("\r\n")) {
      String name = line.substring(0, Math.max(0, line.indexOf(':'))).trim();
      if (name.equalsIgnoreCase("call-id") || name.equalsIgnoreCase("i")) {
        return line.substring(line.indexOf(':') + 1).trim();
      }
    }
    return null;
  }

  @ParameterizedTest(name = "listener on {0}")
  @ValueSource(strings = {"127.0.0.1", "::1"})
  void relaysBothWaysAndAnswersFromTheListenersAddress(String host) throws Exception {
    UdpServer server = keep(UdpServer.start("a", host));
    String bind = host.contains(":") ? "[" + host + "]:0" : host + ":0";
    sluice = SluiceRuntime.start(TestConfigs.udp().bind(bind).server(server.address()).build(), 2);
    UdpClient client = keep(UdpClient.bound(host));

    for (int i = 0; i < 3; i++) {
      client.send("ping " + i, front());
      UdpClient.Answer answer = client.receive(5_000);
      assertThat(answer).isNotNull();
      assertThat(answer.text()).isEqualTo("a:ping " + i);
      assertThat(answer.from()).isEqualTo(front());
    }
    assertThat(server.received()).hasSize(3);
    // One flow: every datagram reached the server from the same socket of Sluice's.
    assertThat(server.received().stream().map(UdpServer.Received::sender).distinct()).hasSize(1);
    assertThat(stats().openFlows()).isEqualTo(1);
    assertThat(stats().datagramsFromClients()).isEqualTo(3);
    await().atMost(WAIT).until(() -> stats().datagramsToClients() == 3);
    assertThat(stats().bytesToClients()).isEqualTo(3 * "a:ping 0".length());
  }

  @Test
  void keepsEveryMessageOfACallOnOneServerWhenTheClientChangesItsPort() throws Exception {
    UdpServer a = keep(UdpServer.start("a"));
    UdpServer b = keep(UdpServer.start("b"));
    sluice =
        SluiceRuntime.start(
            TestConfigs.udp()
                .udp("{affinity: sip_call_id}")
                .server(a.address())
                .server(b.address())
                .build(),
            2);
    UdpClient first = keep(UdpClient.bound("127.0.0.1"));
    UdpClient second = keep(UdpClient.bound("127.0.0.1"));
    int calls = 20;
    for (int call = 0; call < calls; call++) {
      String callId = "call-" + call + "@client.test";
      first.send(sip("INVITE", "Call-ID: " + callId), front());
      assertThat(first.receive(5_000).text())
          .endsWith(callId + "\r\nCSeq: 1 INVITE\r\n" + "Content-Length: 0\r\n\r\n");
      // The same dialog from another port, with the compact header and odd spacing: the answer
      // follows the client to its new port.
      second.send(sip("ACK", "i :  " + callId + " "), front());
      assertThat(second.receive(5_000).text()).contains("ACK sip:");
      first.send(sip("BYE", "call-id: " + callId), front());
      assertThat(first.receive(5_000).text()).contains("BYE sip:");
    }

    Map<String, List<String>> serversOfCall = new HashMap<>();
    for (UdpServer server : List.of(a, b)) {
      for (String message : server.texts()) {
        serversOfCall.computeIfAbsent(callIdOf(message), k -> new ArrayList<>()).add(server.name());
      }
    }
    assertThat(serversOfCall).hasSize(calls);
    serversOfCall.forEach(
        (callId, servers) ->
            assertThat(servers).as(callId).hasSize(3).containsOnly(servers.get(0)));
    // Round robin over two servers spreads the calls between them.
    assertThat(a.received()).hasSizeGreaterThanOrEqualTo(3 * 5);
    assertThat(b.received()).hasSizeGreaterThanOrEqualTo(3 * 5);
    assertThat(stats().flowsCreated()).isEqualTo(calls);
  }

  @Test
  void staysWithinMaxFlowsUnderAFloodOfSourcesAndCountsEvictions() throws Exception {
    UdpServer server = keep(UdpServer.start("a"));
    sluice =
        SluiceRuntime.start(
            TestConfigs.udp().udp("{max_flows: 20}").server(server.address()).build(), 2);
    int sources = 200;
    int peak = 0;
    for (int i = 0; i < sources; i++) {
      // Each source its own loopback address: 127.0.1.1 to 127.0.1.200.
      try (UdpClient client = UdpClient.bound("127.0.1." + (i + 1))) {
        client.send("hello " + i, front());
        assertThat(client.receive(5_000)).isNotNull();
      }
      peak = Math.max(peak, stats().openFlows());
    }

    assertThat(peak).isEqualTo(20);
    assertThat(stats().openFlows()).isEqualTo(20);
    assertThat(stats().flowsCreated()).isEqualTo(sources);
    assertThat(stats().evictions()).isEqualTo(sources - 20);
    assertThat(stats().terminations().get(TerminationState.RESOURCE_LIMIT_DURING_DATA))
        .isEqualTo(sources - 20);
    assertThat(server.received()).hasSize(sources);
  }

  @ParameterizedTest(name = "listener on {0}")
  @ValueSource(strings = {"127.0.0.1", "::1"})
  void sendsAProxyV2DatagramHeaderBeforeEachDatagram(String host) throws Exception {
    UdpServer server = keep(UdpServer.start("a").answering(false));
    String bind = host.contains(":") ? "[" + host + "]:0" : host + ":0";
    sluice =
        SluiceRuntime.start(
            TestConfigs.udp().bind(bind).server(server.address(), "send_proxy_v2: true").build(),
            2);
    UdpClient client = keep(UdpClient.bound(host));
    client.send("first", front());
    client.send("second", front());
    await().atMost(WAIT).until(() -> server.received().size() == 2);

    boolean v6 = host.contains(":");
    int addressBytes = v6 ? 16 : 4;
    for (int i = 0; i < 2; i++) {
      ByteBuffer datagram = ByteBuffer.wrap(server.received().get(i).bytes());
      byte[] signature = new byte[12];
      datagram.get(signature);
      assertThat(signature)
          .containsExactly(0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A);
      assertThat(datagram.get()).isEqualTo((byte) 0x21);
      assertThat(datagram.get()).isEqualTo(v6 ? (byte) 0x22 : (byte) 0x12);
      assertThat((int) datagram.getShort()).isEqualTo(2 * addressBytes + 4);
      byte[] source = new byte[addressBytes];
      byte[] destination = new byte[addressBytes];
      datagram.get(source).get(destination);
      assertThat(source).isEqualTo(client.localAddress().getAddress().getAddress());
      assertThat(destination).isEqualTo(front().getAddress().getAddress());
      assertThat(datagram.getShort() & 0xFFFF).isEqualTo(client.localAddress().getPort());
      assertThat(datagram.getShort() & 0xFFFF).isEqualTo(front().getPort());
      byte[] payload = new byte[datagram.remaining()];
      datagram.get(payload);
      assertThat(new String(payload, StandardCharsets.ISO_8859_1))
          .isEqualTo(i == 0 ? "first" : "second");
    }
  }

  private Server serverOf(UdpServer fake) {
    return sluice.pool("back").servers().stream()
        .filter(s -> s.name().equals(fake.address()))
        .findFirst()
        .orElseThrow();
  }

  @Test
  void movesAFlowOffAServerThatGoesDownAtItsNextMessage() throws Exception {
    UdpServer a = keep(UdpServer.start("a"));
    UdpServer b = keep(UdpServer.start("b"));
    sluice =
        SluiceRuntime.start(TestConfigs.udp().server(a.address()).server(b.address()).build(), 2);
    UdpClient client = keep(UdpClient.bound("127.0.0.1"));
    client.send("one", front());
    String first = client.receive(5_000).text().substring(0, 1);
    UdpServer firstServer = first.equals("a") ? a : b;
    UdpServer other = first.equals("a") ? b : a;

    sluice.setServerState("back", firstServer.address(), ServerState.MAINT);
    client.send("two", front());

    assertThat(client.receive(5_000).text()).isEqualTo(other.name() + ":two");
    assertThat(stats().moves()).isEqualTo(1);
    assertThat(stats().terminations().get(TerminationState.SERVER_DOWN_DURING_DATA)).isEqualTo(1);
    assertThat(serverOf(firstServer).active()).isZero();
    assertThat(serverOf(other).active()).isEqualTo(1);
  }

  @Test
  void sticksToAServerThatGoesDownWhenToldTo() throws Exception {
    UdpServer a = keep(UdpServer.start("a"));
    UdpServer b = keep(UdpServer.start("b"));
    sluice =
        SluiceRuntime.start(
            TestConfigs.udp()
                .udp("{on_server_down: stick}")
                .server(a.address())
                .server(b.address())
                .build(),
            2);
    UdpClient client = keep(UdpClient.bound("127.0.0.1"));
    client.send("one", front());
    String first = client.receive(5_000).text().substring(0, 1);
    UdpServer firstServer = first.equals("a") ? a : b;

    sluice.setServerState("back", firstServer.address(), ServerState.MAINT);
    client.send("two", front());

    assertThat(client.receive(5_000).text()).isEqualTo(first + ":two");
    assertThat(stats().moves()).isZero();
  }

  @Test
  void dropsWhatAFlowSendsBeyondItsRateAndCountsIt() throws Exception {
    UdpServer server = keep(UdpServer.start("a").answering(false));
    sluice =
        SluiceRuntime.start(
            TestConfigs.udp().udp("{flow_rate: 10/s}").server(server.address()).build(), 2);
    UdpClient client = keep(UdpClient.bound("127.0.0.1"));
    int sent = 60;
    for (int i = 0; i < sent; i++) {
      client.send("burst " + i, front());
    }
    await()
        .atMost(WAIT)
        .until(() -> stats().datagramsFromClients() + stats().drops(DropReason.FLOW_RATE) == sent);

    // A burst of 8 passes at once, then 10 a second: the 60 were sent in far less than 5 s.
    assertThat(stats().datagramsFromClients()).isBetween(8L, 50L);
    await().atMost(WAIT).until(() -> server.received().size() == stats().datagramsFromClients());
  }

  @Test
  void dropsWhatAServerIsSentBeyondItsRateWhateverTheFlow() throws Exception {
    UdpServer server = keep(UdpServer.start("a").answering(false));
    sluice =
        SluiceRuntime.start(
            TestConfigs.udp().udp("{server_rate: 10/s}").server(server.address()).build(), 2);
    int sent = 0;
    for (int i = 0; i < 4; i++) {
      UdpClient client = keep(UdpClient.bound("127.0.0.1"));
      for (int j = 0; j < 15; j++) {
        client.send("client " + i + " datagram " + j, front());
        sent++;
      }
    }
    int total = sent;
    await()
        .atMost(WAIT)
        .until(
            () -> stats().datagramsFromClients() + stats().drops(DropReason.SERVER_RATE) == total);

    // Four flows, one server: together they get the server's burst of 8 and then 10 a second.
    assertThat(stats().openFlows()).isEqualTo(4);
    assertThat(stats().datagramsFromClients()).isBetween(8L, 40L);
    assertThat(stats().drops(DropReason.FLOW_RATE)).isZero();
  }

  @Test
  void endsIdleFlowsAndLogsThemNormal(@TempDir Path dir) throws Exception {
    UdpServer server = keep(UdpServer.start("a"));
    Path log = dir.resolve("access.log");
    sluice =
        SluiceRuntime.start(
            TestConfigs.udp()
                .idle(Duration.ofMillis(300))
                .accessLog(log.toString())
                .server(server.address())
                .build(),
            2);
    UdpClient client = keep(UdpClient.bound("127.0.0.1"));
    client.send("hello", front());
    assertThat(client.receive(5_000)).isNotNull();
    assertThat(stats().openFlows()).isEqualTo(1);

    await().atMost(WAIT).until(() -> stats().openFlows() == 0);
    assertThat(stats().terminations().get(TerminationState.NORMAL)).isEqualTo(1);
    assertThat(serverOf(server).active()).isZero();
    await().atMost(WAIT).until(() -> sluice.accessLog().written() == 1);
    // client [date] listener pool/server Tw/Tc/Tt bytes_to_client state bytes_from_client
    assertThat(Files.readString(log).strip())
        .startsWith("127.0.0.1:" + client.localAddress().getPort() + " [")
        .contains("] front back/" + server.address() + " -1/-1/")
        .endsWith(" 7 -- 5");
  }

  @Test
  void dropsDatagramsLongerThanMaxDatagram() throws Exception {
    UdpServer server = keep(UdpServer.start("a").answering(false));
    sluice =
        SluiceRuntime.start(
            TestConfigs.udp().udp("{max_datagram: 1000B}").server(server.address()).build(), 2);
    UdpClient client = keep(UdpClient.bound("127.0.0.1"));
    char[] big = new char[1001];
    Arrays.fill(big, 'x');
    client.send(new String(big), front());
    client.send(new String(big, 0, 1000), front());

    await().atMost(WAIT).until(() -> server.received().size() == 1);
    assertThat(server.received().get(0).bytes()).hasSize(1000);
    assertThat(stats().drops(DropReason.TOO_BIG)).isEqualTo(1);
  }

  @Test
  void showsUdpFiguresInMetricsAndTheLiveView() throws Exception {
    UdpServer server = keep(UdpServer.start("a"));
    sluice =
        SluiceRuntime.start(
            TestConfigs.udp()
                .top("admin", "{bind: \"127.0.0.1:0\"}")
                .udp("{max_flows: 7}")
                .server(server.address())
                .build(),
            2);
    UdpClient client = keep(UdpClient.bound("127.0.0.1"));
    client.send("hello", front());
    assertThat(client.receive(5_000)).isNotNull();
    await().atMost(WAIT).until(() -> stats().datagramsToClients() == 1);

    HttpClient http = HttpClient.newHttpClient();
    String base = "http://127.0.0.1:" + sluice.adminAddress().getPort();
    String metrics =
        http.send(
                HttpRequest.newBuilder(URI.create(base + "/metrics")).timeout(WAIT).build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    assertThat(metrics)
        .contains("sluice_udp_flows{listener=\"front\"} 1.0")
        .contains("sluice_udp_max_flows{listener=\"front\"} 7.0")
        .contains("sluice_udp_flows_opened_total{listener=\"front\"} 1.0")
        .contains("sluice_udp_flow_evictions_total{listener=\"front\"} 0.0")
        .contains("sluice_udp_dropped_datagrams_total{listener=\"front\",reason=\"no_buffer\"} 0.0")
        .contains("sluice_udp_datagrams_total{direction=\"from_client\",listener=\"front\"} 1.0")
        .contains("sluice_udp_datagrams_total{direction=\"to_client\",listener=\"front\"} 1.0")
        .contains("sluice_udp_bytes_total{direction=\"from_client\",listener=\"front\"} 5.0")
        .contains("sluice_udp_buffers ")
        .contains("sluice_udp_buffers_in_use 0.0");
    String view =
        http.send(
                HttpRequest.newBuilder(URI.create(base + "/api/view")).timeout(WAIT).build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    assertThat(view)
        .contains("\"udp_listeners\":[{\"name\":\"front\",\"flows\":1,\"max_flows\":7")
        .contains("\"udp_buffers\":{\"buffers\":");
  }
}
