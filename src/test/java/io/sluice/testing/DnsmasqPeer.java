package io.sluice.testing;

import static org.assertj.core.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real {@code dnsmasq} answering on a free loopback port from files of the test's own, and asking
 * nobody else ({@code --no-resolv --no-hosts}): A/AAAA records from a hosts file ({@link #hosts},
 * re-read on SIGHUP), SRV and other records from a configuration file ({@link #records}, read at
 * start, so changing them restarts it on the same port). Every record has a TTL of one second.
 * {@link #kill()} makes a DNS outage. Closed after the test.
 */
public final class DnsmasqPeer implements AutoCloseable {
  private static final long START_MILLIS = 10_000;

  private final String program;
  private final Path dir;
  private final Path hosts;
  private final Path records;
  private final Path log;
  private final int port;
  private Process process;
  private int reloads;

  private DnsmasqPeer(String program, Path dir, int port) {
    this.program = program;
    this.dir = dir;
    this.hosts = dir.resolve("hosts");
    this.records = dir.resolve("records.conf");
    this.log = dir.resolve("dnsmasq.log");
    this.port = port;
  }

  /** Starts dnsmasq with the given hosts-file lines ({@code 127.0.0.2 web.test}). */
  public static DnsmasqPeer start(String... hostLines) throws IOException {
    String program = Peers.require("dnsmasq");
    Path dir = Files.createTempDirectory("sluice-dnsmasq");
    // dnsmasq re-reads the hosts file as the user it runs as; keep the files readable to it.
    dir.toFile().setReadable(true, false);
    dir.toFile().setExecutable(true, false);
    DnsmasqPeer dns = new DnsmasqPeer(program, dir, portBelowEphemeralRange());
    dns.writeHosts(hostLines);
    Files.writeString(dns.records, "");
    dns.restart();
    return dns;
  }

  /**
   * A port free for both TCP and UDP (dnsmasq binds both) below Linux's ephemeral range (32768 and
   * up), so that no client connection of the test machine takes it between two starts of dnsmasq.
   */
  private static int portBelowEphemeralRange() throws IOException {
    Random random = new Random();
    for (int attempt = 0; attempt < 100; attempt++) {
      int port = 20_000 + random.nextInt(12_000);
      try (ServerSocket tcp = new ServerSocket(port, 1, InetAddress.getLoopbackAddress());
          DatagramSocket udp = new DatagramSocket(port, InetAddress.getLoopbackAddress())) {
        if (tcp.getLocalPort() == udp.getLocalPort()) {
          return port;
        }
      } catch (IOException e) {
        // taken: try another
      }
    }
    throw new IOException("no port free for TCP and UDP between 20000 and 32000");
  }

  /** {@code 127.0.0.1:port}, as Sluice's {@code dns.servers} takes it. */
  public String address() {
    return "127.0.0.1:" + port;
  }

  /** Replaces the hosts file and has dnsmasq re-read it (SIGHUP); returns once it did. */
  public void hosts(String... lines) throws IOException {
    writeHosts(lines);
    int before = countInLog("read " + hosts);
    signal("-HUP");
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(START_MILLIS);
    while (countInLog("read " + hosts) <= before) {
      if (System.nanoTime() > deadline) {
        fail("dnsmasq did not re-read its hosts file: " + Files.readString(log));
      }
      sleep(10);
    }
  }

  /**
   * Replaces the configuration-file records ({@code srv-host=...}, {@code host-record=...}) and
   * restarts dnsmasq on the same port to read them.
   */
  public void records(String... lines) throws IOException {
    Files.writeString(records, String.join("\n", lines) + "\n");
    restart();
  }

  /** Kills dnsmasq at once (SIGKILL): queries go unanswered until {@link #restart()}. */
  public void kill() {
    if (process != null) {
      process.destroyForcibly();
      try {
        process.waitFor(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      process = null;
    }
  }

  /** Starts dnsmasq (again) on the same port and waits until it listens. */
  public void restart() throws IOException {
    kill();
    reloads++;
    List<String> command = new ArrayList<>();
    command.add(program);
    command.add("--no-daemon");
    command.add("--port=" + port);
    command.add("--listen-address=127.0.0.1");
    command.add("--bind-interfaces");
    command.add("--no-resolv");
    command.add("--no-hosts");
    command.add("--addn-hosts=" + hosts);
    command.add("--conf-file=" + records);
    command.add("--local-ttl=1");
    command.add("--pid-file=");
    command.add("--log-facility=-");
    command.add("--log-queries");
    // Run as whoever runs the test: as root it would switch to a user that cannot read our files.
    command.add("--user=" + System.getProperty("user.name"));
    process =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(Redirect.appendTo(log.toFile()))
            .redirectInput(Redirect.from(new File("/dev/null")))
            .start();
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(START_MILLIS);
    while (!PeerProcess.listening(process.pid(), port)) {
      if (!process.isAlive() || System.nanoTime() > deadline) {
        String output = Files.readString(log);
        kill();
        fail("dnsmasq did not start on port " + port + " (start " + reloads + "): " + output);
      }
      sleep(10);
    }
  }

  private void writeHosts(String... lines) throws IOException {
    Path next = dir.resolve("hosts.next");
    Files.writeString(next, lines.length == 0 ? "" : String.join("\n", lines) + "\n");
    next.toFile().setReadable(true, false);
    Files.move(next, hosts, StandardCopyOption.REPLACE_EXISTING);
  }

  private int countInLog(String text) throws IOException {
    if (!Files.exists(log)) {
      return 0;
    }
    try (Stream<String> lines = Files.lines(log)) {
      return (int) lines.filter(line -> line.contains(text)).count();
    }
  }

  private void signal(String signal) throws IOException {
    try {
      new ProcessBuilder("kill", signal, Long.toString(process.pid()))
          .start()
          .waitFor(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() throws IOException {
    kill();
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(file);
      }
    }
  }
}
