package io.sluice.faults;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.observe.TerminationState;
import io.sluice.runtime.SluiceRuntime;
import io.sluice.testing.AccessLogFile;
import io.sluice.testing.Curl;
import io.sluice.testing.FaultyHttpServer;
import io.sluice.testing.RawHttp;
import io.sluice.testing.RuntimeTest;
import io.sluice.testing.TestConfigs;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Servers that misbehave after accepting, and exactly what a client of an {@code http} listener
 * sees for each, with the termination state of its log line:
 *
 * <table>
 *   <tr><th>server</th><th>client sees</th><th>state</th></tr>
 *   <tr><td>never answers</td><td>504 after {@code timeouts.response}</td><td>{@code sH}</td></tr>
 *   <tr><td>answers within {@code timeouts.response}</td><td>the answer</td><td>{@code --}</td></tr>
 *   <tr><td>pauses its body longer than {@code timeouts.response}</td><td>the head and what came,
 *       then the connection closes before the announced end</td><td>{@code sD}</td></tr>
 *   <tr><td>resets after part of its body</td><td>the connection closes before the announced end;
 *       a body delimited by the close ends in a reset, never in a clean close that would make the
 *       truncated body look whole</td><td>{@code SD}</td></tr>
 * </table>
 *
 * <p>The same over an HTTP/2 stream: the 504 arrives on the stream, a broken body resets the
 * stream. A server killed outright is {@link ServerKilledUnderLoadIT}; the network failing between
 * Sluice and a server is {@link NetworkFaultsIT}.
 */
class ServerFaultsIT extends RuntimeTest {
  private static final Duration RESPONSE_TIMEOUT = Duration.ofMillis(600);

  /** How late a timeout may fire on a loaded two-core machine. */
  private static final long LATE_MILLIS = 2_500;

  @TempDir Path dir;
  private FaultyHttpServer server;
  private AccessLogFile log;
  private String url;

  @BeforeEach
  void start() throws Exception {
    server = keep(FaultyHttpServer.start());
    log = new AccessLogFile(dir.resolve("access.log"));
    sluice =
        SluiceRuntime.start(
            TestConfigs.http()
                .server(server.address())
                .pool("timeouts", "{response: " + RESPONSE_TIMEOUT.toMillis() + "ms}")
                .accessLogBlock(log.yaml())
                .build(),
            2);
    url = "http://" + sluice.boundAddressTexts("front").get(0);
  }

  @ParameterizedTest(name = "over {0}")
  @ValueSource(strings = {"http1.1", "http2-prior-knowledge"})
  void aServerThatNeverAnswersGets504AfterTheResponseTimeout(String protocol) throws Exception {
    long start = System.nanoTime();
    Curl.Result result =
        Curl.run("--" + protocol, "-o", "/dev/null", "-w", "%{http_code}", url + "/silent");
    long millis = (System.nanoTime() - start) / 1_000_000;

    assertThat(result.out()).isEqualTo("504");
    assertThat(millis)
        .isBetween(RESPONSE_TIMEOUT.toMillis() - 50, RESPONSE_TIMEOUT.toMillis() + LATE_MILLIS);
    assertThat(log.awaitState("/silent")).isEqualTo("sH");
    assertThat(server.requests("/silent")).as("a timeout is not replayed").isEqualTo(1);
  }

  @Test
  void aSlowServerIsWaitedForWithinTheResponseTimeoutAndAnswered504Beyond() throws Exception {
    Curl.Result within =
        Curl.run("-w", " %{http_code}", url + "/slow-head?ms=" + RESPONSE_TIMEOUT.toMillis() / 3);
    Curl.Result beyond =
        Curl.run(
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            url + "/slow-head?ms=" + RESPONSE_TIMEOUT.toMillis() * 3);

    assertThat(within.out()).isEqualTo("ok 200");
    assertThat(beyond.out()).isEqualTo("504");
    assertThat(log.awaitStates())
        .containsEntry("/slow-head?ms=" + RESPONSE_TIMEOUT.toMillis() / 3, "--")
        .containsEntry("/slow-head?ms=" + RESPONSE_TIMEOUT.toMillis() * 3, "sH");
  }

  @Test
  void aServerThatPausesItsBodyBeyondTheResponseTimeoutEndsTheConnectionShortOfTheBody()
      throws Exception {
    String path = "/slow-body?ms=" + RESPONSE_TIMEOUT.toMillis() * 4;
    RawHttp.Response answer;
    try (Socket socket = RawHttp.connect(front())) {
      RawHttp.send(socket, "GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n");
      answer = RawHttp.readUntilClosed(socket);
    }

    assertThat(answer.statusLine()).isEqualTo("HTTP/1.1 200 OK");
    assertThat(answer.text()).endsWith("\r\n\r\n0123456789");
    assertThat(answer.closed()).isTrue();
    assertThat(log.awaitState(path)).isEqualTo("sD");
  }

  /**
   * {@code length} and {@code chunked} bodies show their truncation by their framing whatever the
   * close; a body delimited by the close only by how the connection ends, so that end must be a
   * reset.
   */
  @ParameterizedTest(name = "body framed by {0}")
  @ValueSource(strings = {"length", "chunked", "close"})
  void aServerResetMidBodyNeverLooksLikeACompleteResponse(String framing) throws Exception {
    String path = "/reset?sent=5000&framing=" + framing;
    RawHttp.Response raw;
    try (Socket socket = RawHttp.connect(front())) {
      RawHttp.send(socket, "GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n");
      raw = RawHttp.readUntilClosed(socket);
    }
    Curl.Result curl = Curl.run("-o", "/dev/null", url + path);

    assertThat(raw.statusLine()).isEqualTo("HTTP/1.1 200 OK");
    assertThat(raw.bytes()).isLessThan(FaultyHttpServer.ANNOUNCED);
    if (framing.equals("close")) {
      assertThat(raw.reset()).as("a close-delimited body cut short ends in a reset").isTrue();
    }
    assertThat(curl.exit()).as("curl saw a broken transfer: " + curl.err()).isNotZero();
    assertThat(log.awaitStates()).containsEntry(path, "SD");
  }

  @Test
  void anHttp2StreamWhoseServerResetsMidBodyIsResetNotEnded() throws Exception {
    Curl.Result curl =
        Curl.run("--http2-prior-knowledge", "-o", "/dev/null", url + "/reset?sent=5000");
    Curl.Result next = Curl.run("--http2-prior-knowledge", "-w", " %{http_code}", url + "/fine");

    assertThat(curl.exit()).as("curl saw a broken stream: " + curl.err()).isNotZero();
    assertThat(next.out()).isEqualTo("ok 200");
    assertThat(log.awaitStates()).containsEntry("/reset?sent=5000", "SD");
    assertThat(
            sluice
                .httpStats("front")
                .terminations()
                .get(TerminationState.SERVER_CLOSED_DURING_DATA))
        .isEqualTo(1);
  }

  private InetSocketAddress front() {
    return (InetSocketAddress) sluice.boundAddresses("front").get(0);
  }
}
