package io.sluice.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.testing.Curl;
import io.sluice.testing.H2FrameClient;
import io.sluice.testing.LatencyProbe;
import io.sluice.testing.Metrics;
import io.sluice.testing.NginxPeer;
import io.sluice.testing.RawHttp;
import io.sluice.testing.RuntimeTest;
import io.sluice.testing.SluiceProcess;
import io.sluice.testing.Sockets;
import io.sluice.testing.TestCertificates;
import io.sluice.testing.TestConfigs;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Clients that attack by being slow or by flooding, each bounded by a timeout or a limit, while a
 * well-behaved client keeps sending requests: every one of its requests succeeds, and its p99
 * latency stays under five times its baseline or under 50 ms ({@link LatencyProbe}). The attacks:
 * slowloris heads, TLS handshakes that stall, clients that ask for large responses and never read
 * them, HTTP/2 rapid reset (CVE-2023-44487), PING and SETTINGS floods from a client that never
 * reads the acknowledgements, and empty DATA frames. ({@code HttpHygieneIT} checks the slowloris
 * timeout itself for one connection; {@code HttpProxyIT} that a rapid reset gets {@code GOAWAY
 * ENHANCE_YOUR_CALM}: here the flood is still being written when Sluice closes, and the client's
 * write sees the close before its read sees the GOAWAY.)
 */
class HostileClientsIT extends RuntimeTest {
  private static final byte[] SMALL = "small file\n".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] LARGE = Sockets.randomBytes(4 * 1024 * 1024, 5);

  /** Connections each slow attack opens. */
  private static final int ATTACKERS = 200;

  @RegisterExtension final NginxPeer nginx = new NginxPeer();
  @TempDir Path dir;

  /** The admin address of the Sluice under attack. */
  private String admin;

  /**
   * Starts nginx and Sluice as its own JVM, with the launcher's collector and no leak detector:
   * latency is measured against Sluice as it runs in production, not against the test's JVM.
   */
  private InetSocketAddress start(TestConfigs config) throws Exception {
    nginx.start(Map.of("small.txt", SMALL, "large.bin", LARGE));
    int port = Sockets.freePort();
    admin = "127.0.0.1:" + Sockets.freePort();
    Path file = dir.resolve("sluice.yaml");
    Files.writeString(
        file,
        config
            .server(nginx.address())
            .bind("127.0.0.1:" + port)
            .top("admin", "{bind: \"" + admin + "\"}")
            .yaml());
    SluiceProcess process =
        keep(
            SluiceProcess.start(
                dir, Map.of(), List.of("-XX:+UseZGC", "-Xss512k"), "run", "-c", file.toString()));
    process.awaitOutput("admin on http", Duration.ofSeconds(30));
    return Sockets.loopback(port);
  }

  private double metric(String series) throws Exception {
    double value = Metrics.scrape(admin).value(series);
    return Double.isNaN(value) ? 0 : value;
  }

  /** A GET of the small file on a connection of its own, answered 200. */
  private static boolean plainGet(InetSocketAddress front) throws IOException {
    try (Socket socket = RawHttp.connect(front)) {
      RawHttp.send(socket, "GET /small.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
      return RawHttp.readUntilClosed(socket).statusLine().equals("HTTP/1.1 200 OK");
    }
  }

  /**
   * The well-behaved client: GETs one after the other on a keep-alive connection (a new one only
   * when Sluice closes it), so what is measured is Sluice's answer, not the kernel's handling of
   * thousands of short connections on loopback (a port reused while its last connection lingers in
   * TIME_WAIT costs a SYN retransmission: a full second).
   */
  private static LatencyProbe plainProbe(InetSocketAddress front) {
    Socket[] connection = new Socket[1];
    return new LatencyProbe(
        () -> {
          if (connection[0] == null || connection[0].isClosed()) {
            connection[0] = RawHttp.connect(front);
          }
          try {
            RawHttp.send(connection[0], "GET /small.txt HTTP/1.1\r\nHost: x\r\n\r\n");
            RawHttp.Response answer = RawHttp.readOne(connection[0]);
            if (answer.closed()) {
              connection[0].close();
            }
            return answer.statusLine().equals("HTTP/1.1 200 OK");
          } catch (IOException e) {
            connection[0].close();
            throw e;
          }
        });
  }

  @Test
  void slowlorisHeadsAreClosedAtTheRequestHeadTimeoutAndOthersAreServedAsBefore() throws Exception {
    InetSocketAddress front =
        start(TestConfigs.http().listener("http", "{timeouts: {request_head: 1s}}"));
    LatencyProbe probe = plainProbe(front);
    LatencyProbe.Result baseline = probe.baseline(100);

    // A first round unmeasured: the JIT compiles the paths the attack takes, as in a long run.
    slowloris(front);

    probe.during(2);
    int closed = slowloris(front);
    LatencyProbe.Result during = probe.stop(Duration.ofSeconds(3));

    assertThat(closed).as("slow heads closed").isEqualTo(ATTACKERS);
    assertThat(during.failures()).isEmpty();
    assertThat(during.withinToleranceOf(baseline))
        .as("during %s, baseline %s", during, baseline)
        .isTrue();
  }

  /**
   * Opens {@link #ATTACKERS} connections that send their heads one byte per 100 ms for 2.5 s and
   * returns how many Sluice closed by then.
   */
  private static int slowloris(InetSocketAddress front) throws Exception {
    List<Socket> attackers = new ArrayList<>();
    try {
      for (int i = 0; i < ATTACKERS; i++) {
        Socket socket = RawHttp.connect(front);
        RawHttp.send(socket, "G");
        attackers.add(socket);
      }
      String head = "ET / HTTP/1.1\r\nHost: x\r\nX-Slow: " + "s".repeat(200);
      // One byte per connection every 100 ms; bounded by the head's length and by time.
      long deadline = System.nanoTime() + 2_500_000_000L;
      for (int at = 0; at < head.length() && System.nanoTime() < deadline; at++) {
        for (Socket socket : attackers) {
          try {
            socket.getOutputStream().write(head.charAt(at));
          } catch (IOException closedBySluice) {
            // expected once the timeout passed
          }
        }
        Thread.sleep(100);
      }
      return closedCount(attackers);
    } finally {
      for (Socket socket : attackers) {
        socket.close();
      }
    }
  }

  @Test
  void stalledTlsHandshakesAreClosedAtTheHandshakeTimeoutAndOthersAreServedAsBefore()
      throws Exception {
    TestCertificates certs = new TestCertificates(dir);
    TestCertificates.Issued server =
        certs.issue(
            certs.ca("Sluice Test CA"), "localhost", TestCertificates.KeyType.P256, "localhost");
    InetSocketAddress front =
        start(
            TestConfigs.http()
                .listener("protocol", "https")
                .listener(
                    "tls",
                    "{certificates: [{cert: \"%s\", key: \"%s\"}], handshake_timeout: 1s}"
                        .formatted(server.cert(), server.key())));
    SSLContext trustAll = trustAll();
    LatencyProbe probe =
        new LatencyProbe(
            () -> {
              try (SSLSocket socket =
                  (SSLSocket)
                      trustAll
                          .getSocketFactory()
                          .createSocket(
                              RawHttp.connect(front), "localhost", front.getPort(), true)) {
                socket.startHandshake();
                RawHttp.send(
                    socket, "GET /small.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
                return RawHttp.readUntilClosed(socket).statusLine().equals("HTTP/1.1 200 OK");
              }
            });
    LatencyProbe.Result baseline = probe.baseline(50);

    List<Socket> attackers = new ArrayList<>();
    probe.during(2);
    try {
      for (int i = 0; i < ATTACKERS; i++) {
        Socket socket = RawHttp.connect(front);
        // The first bytes of a handshake record (type 22, TLS 1.0 framing), then nothing.
        socket.getOutputStream().write(new byte[] {22, 3, 1});
        attackers.add(socket);
      }
      Thread.sleep(2_500);
      LatencyProbe.Result during = probe.stop(Duration.ofSeconds(3));

      assertThat(closedCount(attackers)).as("stalled handshakes closed").isEqualTo(ATTACKERS);
      assertThat(during.failures()).isEmpty();
      assertThat(during.withinToleranceOf(baseline))
          .as("during %s, baseline %s", during, baseline)
          .isTrue();
    } finally {
      for (Socket socket : attackers) {
        socket.close();
      }
    }
  }

  @Test
  void clientsThatNeverReadAreClosedAtTheSendTimeoutWithoutBlamingTheServer() throws Exception {
    InetSocketAddress front =
        start(
            TestConfigs.http()
                .listener("http", "{timeouts: {send: 1s}}")
                .pool("outlier", "{consecutive_failures: 3}"));
    LatencyProbe probe = plainProbe(front);
    LatencyProbe.Result baseline = probe.baseline(100);
    int stalled = 40;
    // A first round unmeasured: the JIT compiles the paths the attack takes, as in a long run.
    stallClients(front, stalled, stalled);

    probe.during(2);
    stallClients(front, stalled, 2 * stalled);
    LatencyProbe.Result during = probe.stop(Duration.ofSeconds(3));

    assertThat(Curl.run("http://" + admin + "/api/view").out())
        .as("the server is not blamed for clients that do not read")
        .doesNotContain("\"ejected\":true");
    assertThat(during.failures()).isEmpty();
    assertThat(during.withinToleranceOf(baseline))
        .as("during %s, baseline %s", during, baseline)
        .isTrue();
  }

  /**
   * Opens {@code count} connections that ask for the large file and never read, and waits until
   * Sluice has ended {@code endedInAll} requests at the send timeout ({@code cD}).
   */
  private void stallClients(InetSocketAddress front, int count, int endedInAll) throws Exception {
    List<Socket> attackers = new ArrayList<>();
    try {
      for (int i = 0; i < count; i++) {
        Socket socket = new Socket();
        socket.setReceiveBufferSize(4096);
        socket.connect(front, 5_000);
        RawHttp.send(socket, "GET /large.bin HTTP/1.1\r\nHost: x\r\n\r\n");
        attackers.add(socket);
      }
      await("the stalled responses ended")
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  metric("sluice_connections_ended_total{listener=\"front\",state=\"cD\"}")
                      == endedInAll);
    } finally {
      for (Socket socket : attackers) {
        socket.close();
      }
    }
  }

  @Test
  void anHttp2RapidResetFloodGetsEnhanceYourCalmAndReachesTheServerLittle() throws Exception {
    InetSocketAddress front =
        start(TestConfigs.http().listener("http", "{h2: {max_resets_per_minute: 100}}"));
    LatencyProbe probe = plainProbe(front);
    LatencyProbe.Result baseline = probe.baseline(100);
    int before = nginx.accessLog().size();

    probe.during(2);
    try (H2FrameClient attacker = H2FrameClient.connect(front, true)) {
      for (int batch = 0; batch < 10 && attacker.isOpen(); batch++) {
        int first = 1 + batch * 2 * 500;
        attacker.send(
            frames -> {
              for (int stream = first; stream < first + 2 * 500; stream += 2) {
                frames.headers(stream, "GET", "/small.txt", false);
                frames.reset(stream);
              }
            });
      }
      assertThat(attacker.awaitClosed(Duration.ofSeconds(10))).isTrue();
      LatencyProbe.Result during = probe.stop(Duration.ofSeconds(3));

      assertThat(nginx.accessLog().size() - before - during.count())
          .as("requests of the flood's 5,000 that reached the server")
          .isLessThan(300);
      assertThat(during.failures()).isEmpty();
      assertThat(during.withinToleranceOf(baseline))
          .as("during %s, baseline %s", during, baseline)
          .isTrue();
    }
  }

  @ParameterizedTest(name = "{0} frames")
  @ValueSource(strings = {"PING", "SETTINGS"})
  void aControlFrameFloodThatNeverReadsItsAcknowledgementsIsClosed(String kind) throws Exception {
    InetSocketAddress front =
        start(TestConfigs.http().listener("http", "{h2: {max_queued_control_frames: 200}}"));
    LatencyProbe probe = plainProbe(front);
    LatencyProbe.Result baseline = probe.baseline(100);
    try (H2FrameClient warmUp = H2FrameClient.connect(front, false)) {
      // A first flood unmeasured: the JIT compiles the paths it takes, as in a long run.
      flood(warmUp, kind);
    }

    probe.during(2);
    try (H2FrameClient attacker = H2FrameClient.connect(front, false)) {
      flood(attacker, kind);
      attacker.startReading();
      assertThat(attacker.awaitClosed(Duration.ofSeconds(10)))
          .as("closed, %d frames read back", attacker.framesRead())
          .isTrue();
      LatencyProbe.Result during = probe.stop(Duration.ofSeconds(3));

      assertThat(attacker.framesRead()).as("acknowledgements read back").isLessThan(40_000);
      assertThat(during.failures()).isEmpty();
      assertThat(during.withinToleranceOf(baseline))
          .as("during %s, baseline %s", during, baseline)
          .isTrue();
    }
  }

  /** 40,000 PING or SETTINGS frames, then reading until Sluice closes (within 10 s). */
  private static void flood(H2FrameClient attacker, String kind) throws InterruptedException {
    for (int batch = 0; batch < 20; batch++) {
      attacker.send(
          frames -> {
            for (int i = 0; i < 2_000; i++) {
              if (kind.equals("PING")) {
                frames.ping(i);
              } else {
                frames.settings();
              }
            }
          });
    }
  }

  @Test
  void emptyDataFramesEndTheConnection() throws Exception {
    InetSocketAddress front = start(TestConfigs.http());

    try (H2FrameClient attacker = H2FrameClient.connect(front, true)) {
      attacker.send(
          frames -> {
            frames.headers(1, "POST", "/small.txt", true);
            for (int i = 0; i < 1_000; i++) {
              frames.emptyData(1);
            }
          });

      assertThat(attacker.awaitClosed(Duration.ofSeconds(10))).isTrue();
      assertThat(attacker.goAwayError()).as("GOAWAY ENHANCE_YOUR_CALM").isEqualTo(0xb);
    }
    assertThat(plainGet(front)).isTrue();
  }

  /** How many of {@code sockets} Sluice has closed: a read ends (or resets) at once. */
  private static int closedCount(List<Socket> sockets) throws IOException {
    int closed = 0;
    for (Socket socket : sockets) {
      socket.setSoTimeout(200);
      try {
        InputStream in = socket.getInputStream();
        while (in.read() >= 0) {
          // drain anything sent before the close
        }
        closed++;
      } catch (SocketTimeoutException stillOpen) {
        // not closed
      } catch (IOException reset) {
        closed++;
      }
    }
    return closed;
  }

  private static SSLContext trustAll() throws Exception {
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(
        null,
        new TrustManager[] {
          new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {}

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {}

            @Override
            public X509Certificate[] getAcceptedIssuers() {
              return new X509Certificate[0];
            }
          }
        },
        null);
    return context;
  }
}
