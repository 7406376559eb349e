package io.sluice.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.pool.Server;
import io.sluice.pool.ServerState;
import io.sluice.runtime.SluiceRuntime;
import io.sluice.testing.RuntimeTest;
import io.sluice.testing.ScriptedServer;
import io.sluice.testing.TestConfigs;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Active checks and passive ejection against real servers on loopback. */
class HealthChecksIT extends RuntimeTest {

  private Server server(int index) {
    return sluice.pool("back").servers().get(index);
  }

  @Test
  void marksAKilledServerDownWithinFallChecksAndUpAgainAfterRiseChecks() throws Exception {
    ScriptedServer victim = keep(ScriptedServer.answering("hi"));
    ScriptedServer other = keep(ScriptedServer.answering("hi"));
    sluice =
        SluiceRuntime.start(
            TestConfigs.tcp()
                .server(victim.address(), "weight: 10")
                .server(other.address(), "weight: 10")
                .pool(
                    "health",
                    "{check: tcp, interval: 200ms, fast_interval: 100ms, rise: 2, fall: 2}")
                .pool("slow_start", "2s")
                .build(),
            2);

    victim.stop();
    long stopped = System.nanoTime();
    await().atMost(Duration.ofSeconds(5)).until(() -> server(0).state() == ServerState.DOWN);
    // First failure within an interval, the second a fast interval later, jitter aside.
    assertThat(Duration.ofNanos(System.nanoTime() - stopped)).isLessThan(Duration.ofMillis(900));
    assertThat(server(1).state()).isEqualTo(ServerState.UP);

    victim.restart();
    await().atMost(Duration.ofSeconds(5)).until(() -> server(0).state() == ServerState.UP);
    // Back, but ramping: a fraction of its weight first, all of it after slow_start.
    assertThat(server(0).weight()).isLessThan(10);
    await().atMost(Duration.ofSeconds(5)).until(() -> server(0).weight() == 10);
  }

  @Test
  void marksAServerDownWhenItsHttpCheckGetsAWrongStatus() throws Exception {
    ScriptedServer web = keep(ScriptedServer.http(200));
    sluice =
        SluiceRuntime.start(
            TestConfigs.tcp()
                .server(web.address())
                .pool(
                    "health",
                    "{check: http, path: /ping, expect_status: 200-299, interval: 100ms, rise: 1, fall: 2}")
                .build(),
            2);
    await().atMost(Duration.ofSeconds(5)).until(() -> web.accepted() >= 2);
    assertThat(server(0).state()).isEqualTo(ServerState.UP);

    web.answer(ScriptedServer.httpResponse(503));
    await().atMost(Duration.ofSeconds(5)).until(() -> server(0).state() == ServerState.DOWN);
    web.answer(ScriptedServer.httpResponse(204));
    await().atMost(Duration.ofSeconds(5)).until(() -> server(0).state() == ServerState.UP);
  }

  @Test
  void drainsAServerWhoseAgentSaysDrainAndBringsItBackWhenItSaysReady() throws Exception {
    ScriptedServer web = keep(ScriptedServer.answering("hi"));
    ScriptedServer agent = keep(ScriptedServer.answering("drain\n"));
    int agentPort = Integer.parseInt(agent.address().substring(agent.address().indexOf(':') + 1));
    sluice =
        SluiceRuntime.start(
            TestConfigs.tcp()
                .server(web.address(), "weight: 4")
                .pool("health", "{check: agent, agent_port: " + agentPort + ", interval: 100ms}")
                .build(),
            2);

    await().atMost(Duration.ofSeconds(5)).until(() -> server(0).state() == ServerState.DRAIN);
    agent.answer("ready 50%\n");
    await().atMost(Duration.ofSeconds(5)).until(() -> server(0).state() == ServerState.UP);
    await().atMost(Duration.ofSeconds(5)).until(() -> server(0).weight() == 2);
  }

  @Test
  void anAgentsMaxconnCapsTheServerWithinOneCheckIntervalAndALaterOneLiftsIt() throws Exception {
    ScriptedServer web = keep(ScriptedServer.answering("hi"));
    ScriptedServer agent = keep(ScriptedServer.answering("up\n"));
    int agentPort = Integer.parseInt(agent.address().substring(agent.address().indexOf(':') + 1));
    sluice =
        SluiceRuntime.start(
            TestConfigs.tcp()
                .server(web.address(), "max_connections: 50")
                .pool("health", "{check: agent, agent_port: " + agentPort + ", interval: 200ms}")
                .build(),
            2);
    await().atMost(Duration.ofSeconds(5)).until(() -> server(0).state() == ServerState.UP);
    assertThat(server(0).maxConnections()).isEqualTo(50);

    agent.answer("up maxconn:5\n");
    long start = System.nanoTime();
    await()
        .atMost(Duration.ofSeconds(5))
        .pollInterval(Duration.ofMillis(5))
        .until(() -> server(0).maxConnections() == 5);
    // One interval of 200 ms (jittered by 10 %) plus the check's own round trip and a loaded
    // machine's scheduling.
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(600));
    for (int i = 0; i < 5; i++) {
      assertThat(server(0).tryTake()).isTrue();
    }
    assertThat(server(0).tryTake()).isFalse();
    for (int i = 0; i < 5; i++) {
      server(0).release();
    }

    agent.answer("up maxconn:0\n");
    await().atMost(Duration.ofSeconds(5)).until(() -> server(0).maxConnections() == 50);
  }

  @Test
  void closestSendsTheBulkOfTrafficToTheServerWhoseChecksAnswerFastest() throws Exception {
    ScriptedServer slow = keep(ScriptedServer.http(200));
    ScriptedServer fast = keep(ScriptedServer.http(200));
    slow.delay(Duration.ofMillis(80));
    sluice =
        SluiceRuntime.start(
            TestConfigs.tcp()
                .server(slow.address())
                .server(fast.address())
                .pool("balance", "closest")
                .pool("health", "{check: http, interval: 100ms, rise: 1, fall: 3}")
                .pool("outlier", "{consecutive_failures: 0}")
                .build(),
            2);
    await()
        .atMost(Duration.ofSeconds(5))
        .until(
            () ->
                server(0).latencyNanos() > 4 * server(1).latencyNanos()
                    && server(1).latencyNanos() > 0);
    int slowBefore = slow.accepted();
    int fastBefore = fast.accepted();
    java.net.SocketAddress front = sluice.boundAddresses("front").get(0);
    for (int i = 0; i < 40; i++) {
      try (java.net.Socket client = io.sluice.testing.Sockets.connect(front)) {
        client.getInputStream().readAllBytes();
      }
    }
    int toFast = fast.accepted() - fastBefore;
    int toSlow = slow.accepted() - slowBefore;
    // Checks also land on both; the traffic share is what matters: most of it goes to the fast one.
    assertThat(toFast).isGreaterThan(3 * toSlow);
  }

  @Test
  void tlsCheckPassesARealTlsServerAndFailsOneThatOnlySpeaksTcp(
      @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    String openssl = io.sluice.testing.Peers.require("openssl");
    java.nio.file.Path cert = dir.resolve("cert.pem");
    java.nio.file.Path key = dir.resolve("key.pem");
    Process req =
        new ProcessBuilder(
                openssl,
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-nodes",
                "-subj",
                "/CN=backend.test",
                "-days",
                "1",
                "-keyout",
                key.toString(),
                "-out",
                cert.toString())
            .redirectErrorStream(true)
            .start();
    assertThat(req.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    int port;
    try (java.net.ServerSocket probe = new java.net.ServerSocket(0)) {
      port = probe.getLocalPort();
    }
    Process tlsServer =
        new ProcessBuilder(
                openssl,
                "s_server",
                "-accept",
                "127.0.0.1:" + port,
                "-cert",
                cert.toString(),
                "-key",
                key.toString(),
                "-www",
                "-quiet")
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("s_server.log").toFile())
            .start();
    keep(tlsServer::destroyForcibly);
    ScriptedServer plain = keep(ScriptedServer.answering("HTTP/1.0 200 OK\r\n\r\nnot tls"));
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () -> {
              try {
                new java.net.Socket("127.0.0.1", port).close();
                return true;
              } catch (java.io.IOException e) {
                return false;
              }
            });
    sluice =
        SluiceRuntime.start(
            TestConfigs.tcp()
                .server("127.0.0.1:" + port)
                .server(plain.address())
                .pool(
                    "health", "{check: tls, sni: backend.test, interval: 100ms, rise: 1, fall: 2}")
                .build(),
            2);

    await().atMost(Duration.ofSeconds(5)).until(() -> server(1).state() == ServerState.DOWN);
    assertThat(server(0).state()).isEqualTo(ServerState.UP);
    await().atMost(Duration.ofSeconds(5)).until(() -> server(0).latencyNanos() > 0);
  }
}
