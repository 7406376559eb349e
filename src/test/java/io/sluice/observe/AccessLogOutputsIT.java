package io.sluice.observe;

import static io.sluice.testing.Sockets.connect;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.runtime.SluiceRuntime;
import io.sluice.testing.EchoServer;
import io.sluice.testing.Peers;
import io.sluice.testing.RuntimeTest;
import io.sluice.testing.SluiceProcess;
import io.sluice.testing.TestConfigs;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Access-log lines as the tools around a load balancer read them: halog, syslog, logrotate. */
class AccessLogOutputsIT extends RuntimeTest {
  @TempDir Path dir;

  private static void echoOnce(SocketAddress front) throws IOException {
    try (Socket client = connect(front)) {
      client.getOutputStream().write("hello".getBytes(StandardCharsets.US_ASCII));
      client.shutdownOutput();
      assertThat(client.getInputStream().readAllBytes()).hasSize(5);
    }
  }

  private static List<String> lines(Path file) throws IOException {
    return Files.exists(file) ? Files.readAllLines(file) : List.of();
  }

  /** Runs halog on {@code log}; returns stdout then stderr. */
  private static String[] halog(Path log, String... options) throws Exception {
    List<String> command = new ArrayList<>(List.of(Peers.require("halog")));
    command.addAll(List.of(options));
    Process process = new ProcessBuilder(command).redirectInput(log.toFile()).start();
    assertThat(process.waitFor(10, TimeUnit.SECONDS)).isTrue();
    return new String[] {
      new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8),
      new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8)
    };
  }

  /**
   * halog expects syslog's five prefix fields before HAProxy's; {@code -s -4} starts it at the
   * first field of a bare line. On tcplog lines it can count TCP lines ({@code -H -v}: not HTTP),
   * list servers ({@code -srv}) and filter by accept date ({@code -time}); the termination-code
   * options read HTTP positions and do not apply.
   */
  @Test
  void halogCountsTheTcplogLinesAndServers() throws Exception {
    EchoServer first = keep(new EchoServer());
    EchoServer second = keep(new EchoServer());
    Path log = dir.resolve("access.log");
    sluice =
        SluiceRuntime.start(
            TestConfigs.tcp()
                .server(first.address())
                .server(second.address())
                .accessLog(log.toString())
                .build(),
            2);
    SocketAddress front = sluice.boundAddresses("front").get(0);
    for (int i = 0; i < 7; i++) {
      echoOnce(front);
    }
    await().until(() -> lines(log).size() == 7);

    String[] tcpLines = halog(log, "-s", "-4", "-H", "-v", "-c");
    assertThat(tcpLines[0].strip()).isEqualTo("7");
    String[] servers = halog(log, "-s", "-4", "-srv");
    // One line per server; -srv also counts each line as a parsing error, since a tcplog line has
    // no HTTP status where it looks for one.
    assertThat(servers[1]).contains("7 lines in, 2 lines out");
    assertThat(servers[0])
        .contains("back/" + first.address() + " ")
        .contains("back/" + second.address() + " ");
    // halog reads the UTC accept date in the local time zone: windows of days stay clear of that.
    long now = System.currentTimeMillis() / 1000;
    long day = 86_400;
    String aroundNow = (now - 2 * day) + ":" + (now + 2 * day);
    String lastWeek = (now - 9 * day) + ":" + (now - 5 * day);
    assertThat(halog(log, "-s", "-4", "-time", aroundNow, "-c")[0].strip()).isEqualTo("7");
    assertThat(halog(log, "-s", "-4", "-time", lastWeek, "-c")[0].strip()).isEqualTo("0");
  }

  @Test
  void sendsRfc5424MessagesToASyslogReceiverOverUdp() throws Exception {
    EchoServer echo = keep(new EchoServer());
    DatagramSocket receiver = keep(new DatagramSocket(0, InetAddress.getLoopbackAddress()));
    receiver.setSoTimeout(10_000);
    sluice =
        SluiceRuntime.start(
            TestConfigs.tcp()
                .server(echo.address())
                .accessLogBlock(
                    "{syslog: \"127.0.0.1:"
                        + receiver.getLocalPort()
                        + "\", facility: local3, format: custom,"
                        + " template: \"%{client} %{server} %{term} %{bytes_in}/%{bytes_out}\"}")
                .build(),
            2);
    SocketAddress front = sluice.boundAddresses("front").get(0);
    echoOnce(front);
    echoOnce(front);

    Pattern rfc5424 =
        Pattern.compile(
            "<(\\d+)>1 (\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}(?:Z|[+-]\\d\\d:\\d\\d))"
                + " (\\S+) sluice (\\d+) access - (.*)");
    for (int i = 0; i < 2; i++) {
      byte[] buffer = new byte[4096];
      DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
      receiver.receive(packet);
      String message = new String(packet.getData(), 0, packet.getLength(), StandardCharsets.UTF_8);
      Matcher matcher = rfc5424.matcher(message);
      assertThat(matcher.matches()).as(message).isTrue();
      assertThat(Integer.parseInt(matcher.group(1))).isEqualTo(19 * 8 + 6);
      assertThat(Long.parseLong(matcher.group(4))).isEqualTo(ProcessHandle.current().pid());
      assertThat(matcher.group(5)).matches("127\\.0\\.0\\.1:\\d+ " + echo.address() + " -- 5/5");
    }
  }

  @Test
  void countsLinesNobodyReceivesAsDroppedAndCarriesOn() throws Exception {
    EchoServer echo = keep(new EchoServer());
    int nobody = io.sluice.testing.Sockets.freeUdpPort();
    sluice =
        SluiceRuntime.start(
            TestConfigs.tcp()
                .server(echo.address())
                .accessLogBlock("{syslog: \"127.0.0.1:" + nobody + "\"}")
                .build(),
            2);
    SocketAddress front = sluice.boundAddresses("front").get(0);
    for (int i = 0; i < 6; i++) {
      echoOnce(front);
      Thread.sleep(50);
    }
    // The kernel reports the port unreachable on the send after one that met nobody.
    await()
        .until(
            () -> sluice.view().accessLog().written() + sluice.view().accessLog().dropped() == 6);
    assertThat(sluice.view().accessLog().dropped()).isGreaterThanOrEqualTo(1);
  }

  @Test
  void reopensAFileThatLogrotateMovedAway() throws Exception {
    EchoServer echo = keep(new EchoServer());
    Path log = dir.resolve("access.log");
    Path rotated = dir.resolve("access.log.1");
    sluice =
        SluiceRuntime.start(
            TestConfigs.tcp()
                .server(echo.address())
                .accessLogBlock("{path: \"" + log + "\", format: json}")
                .build(),
            2);
    SocketAddress front = sluice.boundAddresses("front").get(0);
    echoOnce(front);
    await().until(() -> lines(log).size() == 1);

    Files.move(log, rotated);
    // The writer's periodic check sees the path no longer names its file and opens a new one.
    await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(log));
    echoOnce(front);
    await().until(() -> lines(log).size() == 1);
    assertThat(lines(rotated)).hasSize(1);
    assertThat(lines(log).get(0)).startsWith("{\"time\":").contains("\"term\":\"--\"");
  }

  @Test
  void reopensTheFileOnSigusr1() throws Exception {
    EchoServer echo = keep(new EchoServer());
    Path log = dir.resolve("access.log");
    Path rotated = dir.resolve("access.log.1");
    Path config = dir.resolve("sluice.yaml");
    Files.writeString(
        config, TestConfigs.tcp().server(echo.address()).accessLog(log.toString()).yaml());
    try (SluiceProcess process = SluiceProcess.start(dir, "run", "-c", config.toString())) {
      String bound = process.awaitOutput("listener front on (\\S+)", Duration.ofSeconds(30));
      SocketAddress front = io.sluice.testing.Sockets.loopback(portOf(bound));
      echoOnce(front);
      await().until(() -> lines(log).size() == 1);

      Files.move(log, rotated);
      process.signal("USR1");
      await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(log));
      echoOnce(front);
      await().until(() -> lines(log).size() == 1);
      assertThat(lines(rotated)).hasSize(1);
      assertThat(process.stdout() + process.stderr()).contains("access log reopened");
      assertThat(process.isAlive()).isTrue();
    }
  }

  private static int portOf(String address) {
    return Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
  }
}
