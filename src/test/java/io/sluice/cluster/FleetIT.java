package io.sluice.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.observe.LiveView;
import io.sluice.runtime.SluiceRuntime;
import io.sluice.testing.EchoServer;
import io.sluice.testing.HttpBackend;
import io.sluice.testing.OpensslClient;
import io.sluice.testing.RedisPeer;
import io.sluice.testing.Sockets;
import io.sluice.testing.TestCertificates;
import io.sluice.testing.TestCertificates.Issued;
import io.sluice.testing.TestCertificates.KeyType;
import io.sluice.testing.TestConfigs;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Fleet mode against a real redis-server: two Sluice instances in this JVM share an accept rate,
 * TLS ticket keys and load figures, and keep serving on local shares while Redis is gone.
 */
class FleetIT {
  private final List<AutoCloseable> resources = new ArrayList<>();
  private final List<SluiceRuntime> instances = new ArrayList<>();
  private RedisPeer redis;
  @TempDir Path dir;

  @BeforeEach
  void startRedis() throws IOException {
    redis = RedisPeer.start();
  }

  @AfterEach
  void stopEverything() throws Exception {
    for (SluiceRuntime sluice : instances) {
      sluice.stop(Duration.ZERO);
    }
    for (AutoCloseable resource : resources) {
      resource.close();
    }
    redis.close();
  }

  @Test
  void twoInstancesTogetherAcceptTheFleetRate() throws Exception {
    int fleetRate = 200;
    EchoServer echo = keep(new EchoServer());
    SluiceRuntime a = start(rateLimited(echo, fleetRate, "a"));
    SluiceRuntime b = start(rateLimited(echo, fleetRate, "b"));

    // Six clients per instance, each waiting for its echo before the next connect: far more
    // demand than the rate, and never more than twelve connections in the backlogs.
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(8);
    List<Thread> clients = new ArrayList<>();
    AtomicInteger failures = new AtomicInteger();
    for (SluiceRuntime sluice : List.of(a, b)) {
      for (int i = 0; i < 6; i++) {
        clients.add(startClient(front(sluice), end, failures));
      }
    }
    Thread.sleep(1000);
    long startNanos = System.nanoTime();
    long before = accepted(a) + accepted(b);
    long beforeA = accepted(a);
    Thread.sleep(6000);
    long after = accepted(a) + accepted(b);
    long afterA = accepted(a);
    double seconds = (System.nanoTime() - startNanos) / 1e9;
    for (Thread client : clients) {
      client.join(10_000);
    }

    double rate = (after - before) / seconds;
    double shareOfA = (double) (afterA - beforeA) / (after - before);
    System.out.printf(
        "fleet accept rate: %.1f/s for a limit of %d/s (%.1f%%), instance a took %.0f%%%n",
        rate, fleetRate, 100 * (rate - fleetRate) / fleetRate, 100 * shareOfA);
    assertThat(failures.get()).as("connections that failed").isZero();
    // Leases held and tokens left in Redis at the window's edges (about 0.2 s of the rate at most)
    // are all that can move the figure: a few percent over six seconds.
    assertThat(rate).isBetween(fleetRate * 0.92, fleetRate * 1.06);
    assertThat(shareOfA).as("each instance gets part of the rate").isBetween(0.2, 0.8);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"-tls1_2", "-tls1_3"})
  void aClientResumesOnAnotherInstanceWithTheFleetsTicketKeys(String version) throws Exception {
    TestCertificates maker = new TestCertificates(dir);
    Issued ca = maker.ca("Fleet Test CA");
    Issued served = maker.issue(ca, "fleet.test", KeyType.P256, "fleet.test");
    HttpBackend backend = keep(new HttpBackend());
    String tls =
        "{certificates: [{cert: \"" + served.cert() + "\", key: \"" + served.key() + "\"}]}";
    SluiceRuntime a = start(TestConfigs.tcp().tls(tls).server(backend.address()), "a");
    SluiceRuntime b = start(TestConfigs.tcp().tls(tls).server(backend.address()), "b");
    Path session = dir.resolve("session.pem");
    String[] common = {version, "-servername", "fleet.test", "-CAfile", ca.cert().toString()};

    OpensslClient.Result first = openssl(a, common, "-sess_out", session.toString());
    OpensslClient.Result resumed = openssl(b, common, "-sess_in", session.toString());

    assertThat(first.output()).contains(HttpBackend.BODY);
    assertThat(resumed.reused()).as(resumed.output()).isTrue();
    assertThat(resumed.output()).contains(HttpBackend.BODY);
    assertThat(b.tlsStats("front").resumedHandshakes()).isEqualTo(1);
    assertThat(b.tlsStats("front").fullHandshakes()).isZero();

    // A Redis that lost its data is seeded with the keys in use: issued tickets keep resuming.
    redis.restart();
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> ":1".equals(redis.command("EXISTS sluice:tickets:front")));
    Thread.sleep(1_500); // one more ticket-key round on each instance
    OpensslClient.Result afterRestart = openssl(a, common, "-sess_in", session.toString());
    assertThat(afterRestart.reused()).as(afterRestart.output()).isTrue();
  }

  @Test
  void eachInstanceSeesTheOthersAndBalancesOnFleetWideCounts() throws Exception {
    EchoServer first = keep(new EchoServer());
    EchoServer second = keep(new EchoServer());
    // a sends everything to the first server; b balances by least connections across the fleet.
    SluiceRuntime a =
        start(
            TestConfigs.tcp()
                .pool("balance", "least_conn")
                .pool("scope", "cluster")
                .server(first.address())
                .server(second.address(), "state: maint"),
            "a");
    SluiceRuntime b =
        start(
            TestConfigs.tcp()
                .pool("balance", "least_conn")
                .pool("scope", "cluster")
                .server(first.address())
                .server(second.address())
                .top("admin", "{bind: \"127.0.0.1:0\"}"),
            "b");
    List<Socket> held = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      held.add(keep(echoed(front(a))));
    }

    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(
            () -> {
              assertThat(server(b, first.address()).remoteActive()).isEqualTo(3);
              assertThat(instanceNames(a)).containsExactlyInAnyOrder("a", "b");
              assertThat(instanceNames(b)).containsExactlyInAnyOrder("a", "b");
            });
    for (int i = 0; i < 3; i++) {
      held.add(keep(echoed(front(b))));
    }

    assertThat(server(b, second.address()).active())
        .as("b's connections go where the fleet has fewest")
        .isEqualTo(3);
    assertThat(server(b, first.address()).active()).isZero();
    assertThat(server(a, second.address()).remoteActive()).isEqualTo(0);
    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(() -> assertThat(server(a, second.address()).remoteActive()).isEqualTo(3));
    LiveView.InstanceLoad seenByA =
        a.view().cluster().instances().stream()
            .filter(i -> i.name().equals("b"))
            .findFirst()
            .orElseThrow();
    assertThat(seenByA.connections()).isEqualTo(3);
    assertThat(seenByA.ageMillis()).isLessThan(5_000);
    assertThat(adminGet(b, "/api/view"))
        .contains("\"instance\":\"b\"", "\"connected\":true", "\"name\":\"a\"")
        .contains("\"remote_active\":3");
    assertThat(adminGet(b, "/metrics"))
        .contains("sluice_cluster_connected 1")
        .contains("sluice_cluster_instances 2")
        .contains("sluice_cluster_instance_last_seen_age_seconds{instance=\"a\"}")
        .contains(
            "sluice_server_remote_active_connections{pool=\"back\",server=\""
                + first.address()
                + "\"} 3");
  }

  private static String adminGet(SluiceRuntime sluice, String path) throws Exception {
    InetSocketAddress admin = sluice.adminAddress();
    java.net.http.HttpResponse<String> response =
        java.net.http.HttpClient.newHttpClient()
            .send(
                java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create("http://127.0.0.1:" + admin.getPort() + path))
                    .timeout(Duration.ofSeconds(5))
                    .build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(200);
    return response.body();
  }

  @Test
  void keepsServingOnLocalSharesWhileRedisIsDownAndRejoinsAfter() throws Exception {
    EchoServer echo = keep(new EchoServer());
    SluiceRuntime a = start(rateLimited(echo, 100, "a"));
    SluiceRuntime b = start(rateLimited(echo, 100, "b"));
    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(() -> assertThat(instanceNames(a)).hasSize(2));

    redis.kill();

    for (SluiceRuntime sluice : List.of(a, b)) {
      await()
          .atMost(Duration.ofSeconds(2))
          .untilAsserted(
              () -> {
                LiveView.ClusterLoad cluster = sluice.view().cluster();
                assertThat(cluster.connected()).isFalse();
                assertThat(cluster.fallbacks()).isEqualTo(1);
                assertThat(cluster.limits().get(0).leased()).isFalse();
                assertThat(cluster.limits().get(0).localSharePerSecond()).isEqualTo(50.0);
              });
      for (int i = 0; i < 5; i++) {
        echoed(front(sluice)).close();
      }
    }

    redis.restart();

    for (SluiceRuntime sluice : List.of(a, b)) {
      await()
          .atMost(Duration.ofSeconds(5))
          .untilAsserted(
              () -> {
                LiveView.ClusterLoad cluster = sluice.view().cluster();
                assertThat(cluster.connected()).isTrue();
                assertThat(cluster.limits().get(0).leased()).isTrue();
                assertThat(cluster.instances()).hasSize(2);
              });
      for (int i = 0; i < 5; i++) {
        echoed(front(sluice)).close();
      }
    }
    assertThat(a.view().cluster().fallbacks()).isEqualTo(1);
    assertThat(redis.command("EXISTS sluice:load:a")).isEqualTo(":1");
  }

  @Test
  void fallsBackWithinASecondWhenRedisHangsAndRejoinsWhenItAnswers() throws Exception {
    EchoServer echo = keep(new EchoServer());
    SluiceRuntime a = start(rateLimited(echo, 100, "a"));
    assertThat(a.view().cluster().connected()).isTrue();

    redis.pause();
    long hung = System.nanoTime();
    try {
      await()
          .atMost(Duration.ofSeconds(3))
          .pollInterval(Duration.ofMillis(10))
          .until(() -> !a.view().cluster().connected());
      System.out.printf(
          "fell back %d ms after Redis hung%n", (System.nanoTime() - hung) / 1_000_000);
      assertThat(a.view().cluster().limits().get(0).localSharePerSecond()).isEqualTo(100.0);
      echoed(front(a)).close();
    } finally {
      redis.resume();
    }

    await().atMost(Duration.ofSeconds(5)).until(() -> a.view().cluster().connected());
    echoed(front(a)).close();
  }

  @Test
  void aServersLimitHoldsForTheWholeFleet() throws Exception {
    EchoServer echo = keep(new EchoServer());
    TestConfigs config =
        TestConfigs.tcp()
            .pool("scope", "cluster")
            .pool("queue", "{max: 10, timeout: 1s}")
            .server(echo.address(), "max_connections: 4");
    SluiceRuntime a = start(config, "a");
    SluiceRuntime b =
        start(
            TestConfigs.tcp()
                .pool("scope", "cluster")
                .pool("queue", "{max: 10, timeout: 1s}")
                .server(echo.address(), "max_connections: 4"),
            "b");
    for (int i = 0; i < 3; i++) {
      keep(echoed(front(a)));
    }

    Socket admitted = keep(echoed(front(b)));
    List<Socket> refused = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      Socket socket = keep(Sockets.connect(front(b)));
      socket.setSoTimeout(5_000);
      socket.getOutputStream().write('x');
      refused.add(socket);
    }

    for (Socket socket : refused) {
      assertThat(closedByPeer(socket)).as("closed after the queue timeout").isTrue();
    }
    assertThat(admitted.isClosed()).isFalse();
    assertThat(server(a, echo.address()).active() + server(b, echo.address()).active())
        .isEqualTo(4);
    assertThat(echo.accepted()).as("connections that reached the server").isEqualTo(4);
  }

  private TestConfigs rateLimited(EchoServer echo, int perSecond, String name) {
    return TestConfigs.tcp()
        .listener("accept_rate", perSecond + "/s")
        .listener("accept_rate_scope", "cluster")
        .top("cluster", cluster(name))
        .server(echo.address());
  }

  private String cluster(String name) {
    return "{redis: \"redis://" + redis.address() + "\", name: " + name + "}";
  }

  private SluiceRuntime start(TestConfigs config, String name) throws Exception {
    return start(config.top("cluster", cluster(name)));
  }

  private SluiceRuntime start(TestConfigs config) throws Exception {
    SluiceRuntime sluice = SluiceRuntime.start(config.build(), 1);
    instances.add(sluice);
    return sluice;
  }

  private <T extends AutoCloseable> T keep(T resource) {
    resources.add(resource);
    return resource;
  }

  private static SocketAddress front(SluiceRuntime sluice) {
    return sluice.boundAddresses("front").get(0);
  }

  private static long accepted(SluiceRuntime sluice) {
    return sluice.view().listeners().get(0).accepted();
  }

  private static List<String> instanceNames(SluiceRuntime sluice) {
    return sluice.view().cluster().instances().stream().map(LiveView.InstanceLoad::name).toList();
  }

  private static LiveView.ServerLoad server(SluiceRuntime sluice, String address) {
    return sluice.view().pools().get(0).servers().stream()
        .filter(s -> s.name().equals(address))
        .findFirst()
        .orElseThrow();
  }

  /** A connection through Sluice, proven by one byte echoed back. */
  private static Socket echoed(SocketAddress address) throws IOException {
    Socket socket = Sockets.connect(address);
    socket.setSoTimeout(5_000);
    socket.getOutputStream().write('x');
    if (socket.getInputStream().read() != 'x') {
      socket.close();
      throw new IOException("no echo through " + address);
    }
    return socket;
  }

  /** Whether the peer closed or reset the connection (rather than echo) within the timeout. */
  private static boolean closedByPeer(Socket socket) {
    try {
      return socket.getInputStream().read() == -1;
    } catch (java.net.SocketTimeoutException e) {
      return false;
    } catch (IOException reset) {
      return true;
    }
  }

  /** Connects, waits for an echo and closes, again and again until {@code endNanos}. */
  private static Thread startClient(SocketAddress address, long endNanos, AtomicInteger failures) {
    Thread client =
        new Thread(
            () -> {
              for (int n = 0; n < 100_000 && System.nanoTime() < endNanos; n++) {
                try {
                  echoed(address).close();
                } catch (IOException e) {
                  failures.incrementAndGet();
                }
              }
            },
            "fleet-client");
    client.setDaemon(true);
    client.start();
    return client;
  }

  private static OpensslClient.Result openssl(
      SluiceRuntime sluice, String[] common, String... more) {
    List<String> args = new ArrayList<>(List.of(common));
    args.addAll(List.of(more));
    return OpensslClient.run(
        (InetSocketAddress) front(sluice),
        "GET / HTTP/1.1\r\nHost: fleet.test\r\n\r\n".getBytes(StandardCharsets.US_ASCII),
        args.toArray(new String[0]));
  }
}
