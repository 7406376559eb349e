package io.sluice.testing;

import static org.awaitility.Awaitility.await;

import java.io.File;
import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.AfterTestExecutionCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * SIPp as a test peer: {@code @RegisterExtension final SippPeer sipp = new SippPeer();}. {@link
 * #start} writes a scenario into a temp directory, runs {@code sipp -sf} as a server on loopback
 * and returns once its SIP port is bound. {@link #kill} stops it as a crash would, {@link #restart}
 * brings it back on the same port. After each test the process is killed and its directory removed;
 * when the test failed, SIPp is first stopped gently, so that it writes its statistics, and its
 * output and message trace are printed.
 *
 * <p>One instance runs at most one SIPp at a time. Threads: the test thread only.
 */
public final class SippPeer
    implements AfterTestExecutionCallback, AfterEachCallback, AutoCloseable {
  /**
   * A server scenario answering one OPTIONS with 200 OK. SIPp runs a scenario once per call, and a
   * request with a new Call-ID is a new call, so it answers every check without a loop.
   */
  public static final String ANSWER_OPTIONS =
      """
      <?xml version="1.0" encoding="ISO-8859-1" ?>
      <scenario name="answer OPTIONS">
        <recv request="OPTIONS"/>
        <send>
          <![CDATA[
      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag01[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      Contact: <sip:[local_ip]:[local_port];transport=[transport]>
      Content-Length: 0

          ]]>
        </send>
      </scenario>
      """;

  /**
   * A server scenario for calls through a proxy: answers an INVITE with 180 and 200 (with SDP),
   * takes the ACK and answers the BYE; a call that starts with OPTIONS (a health check) gets its
   * 200 OK and ends, so one SIPp serves calls and checks alike.
   */
  public static final String ANSWER_CALLS_AND_OPTIONS =
      """
      <?xml version="1.0" encoding="ISO-8859-1" ?>
      <scenario name="answer calls and OPTIONS">
        <recv request="OPTIONS" optional="true" next="options"/>
        <recv request="INVITE"/>
        <send>
          <![CDATA[
      SIP/2.0 180 Ringing
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag01[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      Contact: <sip:[local_ip]:[local_port];transport=[transport]>
      Content-Length: 0

          ]]>
        </send>
        <send retrans="500">
          <![CDATA[
      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag01[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      Contact: <sip:[local_ip]:[local_port];transport=[transport]>
      Content-Type: application/sdp
      Content-Length: [len]

      v=0
      o=user1 53655765 2353687637 IN IP[local_ip_type] [local_ip]
      s=-
      c=IN IP[media_ip_type] [media_ip]
      t=0 0
      m=audio [media_port] RTP/AVP 0
      a=rtpmap:0 PCMU/8000

          ]]>
        </send>
        <recv request="ACK" optional="true" crlf="true"/>
        <recv request="BYE"/>
        <send next="end">
          <![CDATA[
      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:]
      [last_Call-ID:]
      [last_CSeq:]
      Contact: <sip:[local_ip]:[local_port];transport=[transport]>
      Content-Length: 0

          ]]>
        </send>
        <label id="options"/>
        <send>
          <![CDATA[
      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag02[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      Contact: <sip:[local_ip]:[local_port];transport=[transport]>
      Content-Length: 0

          ]]>
        </send>
        <label id="end"/>
      </scenario>
      """;

  /** SIPp binds in milliseconds; ten seconds leaves room for a loaded two-core CI machine. */
  private static final Duration START_TIMEOUT = Duration.ofSeconds(10);

  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(5);

  /** The state column of /proc/net/udp for a bound socket, and of /proc/net/tcp for a listener. */
  private static final String UDP_BOUND = "07";

  private static final String TCP_LISTEN = "0A";

  private Path dir;
  private Path output;
  private Process process;
  private List<String> command;
  private int port;
  private boolean tcp;

  /** How SIPp carries SIP: one UDP socket, or one TCP socket per peer. */
  public enum Transport {
    UDP("u1"),
    TCP("t1");

    private final String flag;

    Transport(String flag) {
      this.flag = flag;
    }
  }

  /**
   * Starts SIPp running {@code scenario} as a server on 127.0.0.1 at a free port, and returns that
   * address once the port is bound.
   */
  public InetSocketAddress start(String scenario, Transport transport) throws IOException {
    if (process != null) {
      throw new IllegalStateException("this SippPeer already runs; register another");
    }
    String binary = Peers.require("sipp");
    dir = Files.createTempDirectory("sluice-sipp");
    Path scenarioFile = dir.resolve("scenario.xml");
    Files.writeString(scenarioFile, scenario);
    output = dir.resolve("sipp.out");
    tcp = transport == Transport.TCP;
    port = tcp ? Sockets.freePort() : Sockets.freeUdpPort();
    command =
        new ArrayList<>(
            List.of(
                binary,
                "-sf",
                scenarioFile.toString(),
                "-t",
                transport.flag,
                "-i",
                "127.0.0.1",
                "-p",
                Integer.toString(port),
                "-bind_local",
                // The control and media sockets too stay on loopback.
                "-ci",
                "127.0.0.1",
                "-mi",
                "127.0.0.1",
                "-nostdin",
                // Every message in and out, to read when a test fails.
                "-trace_msg",
                "-trace_err"));
    launch();
    return Sockets.loopback(port);
  }

  /**
   * Runs SIPp's built-in {@code uac} scenario over UDP against {@code target}: {@code calls} calls
   * (INVITE, ACK, BYE) at {@code perSecond} new calls a second, each call failing after 10 s
   * without an answer, and waits for it to finish.
   *
   * @return SIPp's exit status: 0 when every call succeeded, 1 when any failed
   */
  public int runCalls(InetSocketAddress target, int calls, int perSecond, Duration limit)
      throws IOException, InterruptedException {
    if (process != null) {
      throw new IllegalStateException("this SippPeer already runs; register another");
    }
    String binary = Peers.require("sipp");
    if (dir == null) {
      dir = Files.createTempDirectory("sluice-sipp");
      output = dir.resolve("sipp.out");
    }
    List<String> client =
        List.of(
            binary,
            "-sn",
            "uac",
            target.getHostString() + ":" + target.getPort(),
            "-t",
            "u1",
            "-i",
            "127.0.0.1",
            "-p",
            Integer.toString(Sockets.freeUdpPort()),
            "-bind_local",
            "-ci",
            "127.0.0.1",
            "-mi",
            "127.0.0.1",
            "-m",
            Integer.toString(calls),
            "-r",
            Integer.toString(perSecond),
            "-recv_timeout",
            "10000",
            "-timeout",
            limit.toSeconds() + "s",
            "-timeout_error",
            "-nostdin",
            "-trace_msg",
            "-trace_err");
    process =
        new ProcessBuilder(client)
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(Redirect.appendTo(output.toFile()))
            .redirectInput(Redirect.from(new File("/dev/null")))
            .start();
    try {
      if (!process.waitFor(limit.toMillis() + 10_000, TimeUnit.MILLISECONDS)) {
        process.destroyForcibly().waitFor();
        return -1;
      }
      return process.exitValue();
    } finally {
      process = null;
    }
  }

  /** Kills SIPp at once, as a crash would: its port is closed, and ICMP answers datagrams. */
  public void kill() {
    if (process != null) {
      process.destroyForcibly();
      waitForExit();
      process = null;
    }
  }

  /** Starts SIPp again, as it was started, on the same port. */
  public void restart() throws IOException {
    if (process != null) {
      throw new IllegalStateException("SIPp still runs");
    }
    launch();
  }

  private void launch() throws IOException {
    process =
        new ProcessBuilder(command)
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(Redirect.appendTo(output.toFile()))
            .redirectInput(Redirect.from(new File("/dev/null")))
            .start();
    await("SIPp bound to port " + port)
        .atMost(START_TIMEOUT)
        .pollInterval(Duration.ofMillis(20))
        .failFast("SIPp exited", () -> !process.isAlive())
        .until(() -> bound(port, tcp));
  }

  /** Whether a socket is bound to {@code port} on loopback, read from the kernel's tables. */
  private static boolean bound(int port, boolean tcp) throws IOException {
    String table = tcp ? "/proc/net/tcp" : "/proc/net/udp";
    String state = tcp ? TCP_LISTEN : UDP_BOUND;
    String local = String.format(Locale.ROOT, "0100007F:%04X", port);
    try (Stream<String> lines = Files.lines(Path.of(table))) {
      return lines
          .skip(1)
          .map(line -> line.trim().split("\\s+"))
          .anyMatch(fields -> fields[1].equals(local) && fields[3].equals(state));
    }
  }

  /**
   * The {@code method} requests SIPp has received so far, across restarts, counted in its message
   * traces.
   */
  public long requestsReceived(String method) throws IOException {
    if (dir == null) {
      return 0;
    }
    long count = 0;
    try (Stream<Path> files = Files.list(dir)) {
      for (Path trace : files.filter(f -> f.toString().endsWith("_messages.log")).toList()) {
        try (Stream<String> lines = Files.lines(trace, StandardCharsets.ISO_8859_1)) {
          count += lines.filter(line -> line.startsWith(method + " sip:")).count();
        }
      }
    }
    return count;
  }

  /** What SIPp has written so far: its statistics screen at exit, and its errors. */
  public String output() throws IOException {
    StringBuilder text = new StringBuilder();
    if (dir != null && Files.isDirectory(dir)) {
      try (Stream<Path> files = Files.list(dir)) {
        for (Path file : files.filter(f -> !f.endsWith("scenario.xml")).sorted().toList()) {
          text.append("== ").append(file.getFileName()).append('\n');
          text.append(Files.readString(file, StandardCharsets.ISO_8859_1));
        }
      }
    }
    return text.toString();
  }

  @Override
  public void afterTestExecution(ExtensionContext context) throws IOException {
    if (context.getExecutionException().isPresent() && dir != null) {
      if (process != null) {
        // SIGTERM: SIPp writes its statistics screen as it exits.
        process.destroy();
        waitForExit();
        process = null;
      }
      System.out.println("---- SIPp output (" + dir + ")\n" + output() + "----");
    }
  }

  @Override
  public void afterEach(ExtensionContext context) throws IOException {
    close();
  }

  /** Kills SIPp and removes its directory. */
  @Override
  public void close() throws IOException {
    kill();
    if (dir != null) {
      try (Stream<Path> files = Files.walk(dir)) {
        for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(file);
        }
      }
      dir = null;
      output = null;
    }
  }

  private void waitForExit() {
    try {
      if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly().waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
