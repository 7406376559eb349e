package io.sluice.faults;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.runtime.SluiceRuntime;
import io.sluice.testing.AccessLogFile;
import io.sluice.testing.Curl;
import io.sluice.testing.EchoHttpServer;
import io.sluice.testing.H2load;
import io.sluice.testing.NetworkNamespace;
import io.sluice.testing.NginxPeer;
import io.sluice.testing.RawHttp;
import io.sluice.testing.RuntimeTest;
import io.sluice.testing.Sockets;
import io.sluice.testing.TestConfigs;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The network between Sluice and a server failing: an nginx runs in a network namespace the test
 * makes, reached over a veth pair whose packets are delayed, reordered and dropped ({@code tc
 * netem}, where the kernel has it) or dropped at random and cut off altogether (nftables).
 *
 * <ul>
 *   <li>Loss (and, with netem, delay and reordering) within the timeouts: TCP recovers, and every
 *       request and every byte arrives, through an {@code http} and a {@code tcp} listener.
 *   <li>A round trip longer than {@code timeouts.response} (netem): 504, {@code sH}.
 *   <li>A server cut off: a request sent to it before the cut gets 504 ({@code sH}); a connect to
 *       it times out ({@code timeouts.connect}) and goes to the other server; after {@code
 *       outlier.consecutive_failures} failures it is ejected and nothing more goes there. At L4 the
 *       connects are replayed on the other server and no client notices.
 * </ul>
 */
class NetworkFaultsIT extends RuntimeTest {
  private static final byte[] SMALL = "small file\n".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] LARGE = Sockets.randomBytes(2 * 1024 * 1024, 11);

  /** Delay, jitter, loss and reordering both ways, when netem is there. */
  private static final String IMPAIRED = "delay 20ms 5ms loss 5% reorder 25% 50%";

  @TempDir Path dir;

  /** The namespace and an nginx inside it; nginx is stopped before the namespace goes. */
  private NetworkNamespace namespace;

  private NginxPeer remote;

  private void startRemoteServer() throws Exception {
    remote = keep(new NginxPeer());
    namespace = keep(NetworkNamespace.create());
    remote.startInNamespace(
        Map.of("small.txt", SMALL, "large.bin", LARGE), namespace.name(), namespace.innerAddress());
  }

  /** netem's delay, loss and reordering if the kernel has netem, else 5 % loss with nftables. */
  private String impair() throws Exception {
    if (namespace.netem(IMPAIRED)) {
      return "netem " + IMPAIRED;
    }
    namespace.loss(5);
    return "5% loss both ways (nftables; this kernel has no netem)";
  }

  @Test
  void anImpairedLinkLosesNoRequestAndNoByteThroughAnHttpListener() throws Exception {
    startRemoteServer();
    // SYNs get lost too: the kernel resends one after a second, within the connect timeout.
    sluice =
        SluiceRuntime.start(
            TestConfigs.http()
                .server(remote.address())
                .connectTimeout(java.time.Duration.ofSeconds(5))
                .build(),
            2);
    String url = "http://" + sluice.boundAddressTexts("front").get(0);
    String impairment = impair();

    H2load.Result h1 = H2load.run("--h1", "-n", "300", "-c", "10", url + "/small.txt");
    H2load.Result h2 = H2load.run("-n", "300", "-c", "4", "-m", "4", url + "/small.txt");
    Path large = dir.resolve("large");
    Curl.Result curl = Curl.run("-o", large.toString(), "-w", "%{http_code}", url + "/large.bin");

    assertThat(h1.status2xx()).as(impairment + "\n" + h1.out()).isEqualTo(300);
    assertThat(h2.status2xx()).as(impairment + "\n" + h2.out()).isEqualTo(300);
    assertThat(curl.out()).as(impairment + " " + curl.err()).isEqualTo("200");
    assertThat(Files.readAllBytes(large)).as(impairment).isEqualTo(LARGE);
  }

  @Test
  void anImpairedLinkLosesNoByteThroughAnL4Listener() throws Exception {
    startRemoteServer();
    sluice =
        SluiceRuntime.start(
            TestConfigs.tcp()
                .server(remote.address())
                .connectTimeout(java.time.Duration.ofSeconds(5))
                .build(),
            2);
    String impairment = impair();
    String url = "http://" + sluice.boundAddressTexts("front").get(0);

    for (int i = 0; i < 3; i++) {
      Path large = dir.resolve("large" + i);
      Curl.Result curl = Curl.run("-o", large.toString(), "-w", "%{http_code}", url + "/large.bin");
      assertThat(curl.out()).as(impairment + " " + curl.err()).isEqualTo("200");
      assertThat(Files.readAllBytes(large)).as(impairment).isEqualTo(LARGE);
    }
  }

  @Test
  void aRoundTripLongerThanTheResponseTimeoutIsAnswered504() throws Exception {
    startRemoteServer();
    if (!namespace.netem("delay 30ms 5ms reorder 25% 50%")) {
      // Not a missing program: the running kernel lacks sch_netem, and no package adds it.
      Assumptions.abort("this kernel has no netem (sch_netem): no delay to test with");
    }
    AccessLogFile log = new AccessLogFile(dir.resolve("access.log"));
    sluice =
        SluiceRuntime.start(
            TestConfigs.http()
                .server(remote.address())
                .pool("timeouts", "{connect: 5s, response: 1s}")
                .accessLogBlock(log.yaml())
                .build(),
            2);
    String url = "http://" + sluice.boundAddressTexts("front").get(0);

    H2load.Result within = H2load.run("--h1", "-n", "100", "-c", "4", url + "/small.txt");
    namespace.netem("delay 700ms");
    Curl.Result beyond = Curl.run("-o", "/dev/null", "-w", "%{http_code}", url + "/small.txt?late");

    assertThat(within.status2xx()).as(within.out()).isEqualTo(100);
    assertThat(beyond.out()).isEqualTo("504");
    assertThat(log.awaitState("/small.txt?late")).isEqualTo("sH");
  }

  @Test
  void aServerCutOffTimesOutWhatItHoldsAndIsLeftForTheOther() throws Exception {
    startRemoteServer();
    EchoHttpServer local = keep(EchoHttpServer.start("local"));
    AccessLogFile log = new AccessLogFile(dir.resolve("access.log"));
    sluice =
        SluiceRuntime.start(
            TestConfigs.http()
                .server(remote.address())
                .server(local.address())
                .pool("timeouts", "{connect: 300ms, response: 500ms}")
                .pool("outlier", "{consecutive_failures: 3, base_ejection: 1m}")
                .accessLogBlock(log.yaml())
                .build(),
            2);
    String url = "http://" + sluice.boundAddressTexts("front").get(0);
    for (int i = 0; i < 4; i++) {
      // Both servers answer, and keep-alive connections to the remote one stay open.
      assertThat(Curl.run("-o", "/dev/null", "-w", "%{http_code}", url + "/small.txt").out())
          .isEqualTo("200");
    }

    namespace.partition();
    List<String> answers = new ArrayList<>();
    for (int i = 0; i < 14; i++) {
      answers.add(
          Curl.run("-o", "/dev/null", "-w", "%{http_code}", url + "/small.txt?after=" + i).out());
    }

    assertThat(answers).allMatch(code -> code.equals("200") || code.equals("504"));
    assertThat(answers.stream().filter("504"::equals).count())
        .as("a request already sent to the cut-off server times out: %s", answers)
        .isLessThanOrEqualTo(3);
    assertThat(answers.subList(8, 14)).as("once ejected, nothing goes there").containsOnly("200");
    assertThat(sluice.pool("back").servers().get(0).ejected()).isTrue();
    Map<String, String> states = log.awaitStates();
    for (int i = 0; i < answers.size(); i++) {
      assertThat(states.get("/small.txt?after=" + i))
          .isEqualTo(answers.get(i).equals("504") ? "sH" : "--");
    }
  }

  @Test
  void anL4ListenerReplaysConnectsToACutOffServerOnTheOther() throws Exception {
    startRemoteServer();
    EchoHttpServer local = keep(EchoHttpServer.start("local"));
    sluice =
        SluiceRuntime.start(
            TestConfigs.tcp()
                .server(remote.address())
                .server(local.address())
                .connectTimeout(java.time.Duration.ofMillis(300))
                .build(),
            2);
    InetSocketAddress front = (InetSocketAddress) sluice.boundAddresses("front").get(0);

    namespace.partition();
    for (int i = 0; i < 8; i++) {
      try (Socket socket = RawHttp.connect(front)) {
        RawHttp.send(socket, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        assertThat(RawHttp.readUntilClosed(socket).text()).contains("backend: local");
      }
    }
    assertThat(sluice.pool("back").retryBudget().granted()).isPositive();
  }
}
