package io.sluice.testing;

import static org.awaitility.Awaitility.await;

import java.io.File;
import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.AfterTestExecutionCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * HAProxy as a test peer: {@code @RegisterExtension final HaproxyPeer haproxy = new
 * HaproxyPeer();}. {@link #start} writes the configuration into a temp directory, runs {@code
 * haproxy -db -f} on loopback and returns once every port it was given listens. After each test the
 * process is killed and its temp directory removed; when the test failed, HAProxy's output (its log
 * goes to stderr) is printed first.
 *
 * <p>One instance runs at most one HAProxy at a time; a test that needs two registers two. Threads:
 * the test thread only.
 */
public final class HaproxyPeer
    implements AfterTestExecutionCallback, AfterEachCallback, AutoCloseable {
  /** HAProxy starts in milliseconds; ten seconds leaves room for a loaded two-core CI machine. */
  private static final Duration START_TIMEOUT = Duration.ofSeconds(10);

  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(5);

  /** The state column of /proc/net/tcp for a listening socket. */
  private static final String TCP_LISTEN = "0A";

  private static final String GLOBAL_AND_DEFAULTS =
      """
      global
          log stderr format raw local0 info
          nbthread 1
          maxconn 256

      defaults
          mode tcp
          log global
          option tcplog
          timeout connect 5s
          timeout client 30s
          timeout server 30s

      """;

  private Path dir;
  private Path output;
  private Process process;

  /** HAProxy in {@code mode tcp} relaying one loopback frontend to {@code server}. */
  public static TcpRelay tcpRelayTo(String server) {
    return new TcpRelay(server);
  }

  /** Starts {@code relay} on a free loopback port and returns that port's address. */
  public InetSocketAddress start(TcpRelay relay) throws IOException {
    int port = Sockets.freePort();
    start(relay.sections(port), port);
    return Sockets.loopback(port);
  }

  /**
   * Starts HAProxy with {@code sections} (frontends, backends, listens) after a common global and
   * defaults section ({@code mode tcp}, log to stderr), and waits until each of {@code ports}
   * listens.
   */
  public void start(String sections, int... ports) throws IOException {
    if (process != null) {
      throw new IllegalStateException("this HaproxyPeer already runs; register another");
    }
    String binary = Peers.require("haproxy");
    dir = Files.createTempDirectory("sluice-haproxy");
    Path config = dir.resolve("haproxy.cfg");
    Files.writeString(config, GLOBAL_AND_DEFAULTS + sections);
    output = dir.resolve("haproxy.out");
    process =
        new ProcessBuilder(binary, "-db", "-f", config.toString())
            .redirectErrorStream(true)
            .redirectOutput(output.toFile())
            .redirectInput(Redirect.from(new File("/dev/null")))
            .start();
    await("HAProxy listening on " + Arrays.toString(ports))
        .atMost(START_TIMEOUT)
        .pollInterval(Duration.ofMillis(20))
        .failFast("HAProxy exited", () -> !process.isAlive())
        .until(() -> Arrays.stream(ports).allMatch(HaproxyPeer::listening));
  }

  /**
   * Whether a socket listens on {@code port}, read from the kernel's socket tables rather than
   * probed: a probe connection to a relay would reach the server behind it, PROXY header and all,
   * and the test would count it as a client.
   */
  private static boolean listening(int port) {
    String localPort = String.format(Locale.ROOT, ":%04X", port);
    for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
      Path path = Path.of(table);
      if (!Files.exists(path)) {
        continue;
      }
      try (Stream<String> lines = Files.lines(path)) {
        if (lines
            .skip(1)
            .map(line -> line.trim().split("\\s+"))
            .anyMatch(fields -> fields[3].equals(TCP_LISTEN) && fields[1].endsWith(localPort))) {
          return true;
        }
      } catch (IOException e) {
        return false;
      }
    }
    return false;
  }

  /** What HAProxy has written so far: warnings, errors and one log line per connection. */
  public String output() throws IOException {
    return output == null || !Files.exists(output) ? "" : Files.readString(output);
  }

  @Override
  public void afterTestExecution(ExtensionContext context) throws IOException {
    if (context.getExecutionException().isPresent() && output != null) {
      System.out.println("---- HAProxy output (" + output + ")\n" + output() + "----");
    }
  }

  @Override
  public void afterEach(ExtensionContext context) throws IOException {
    close();
  }

  /** Stops HAProxy (SIGTERM, then SIGKILL if it lingers) and removes its directory. */
  @Override
  public void close() throws IOException {
    if (process != null) {
      process.destroy();
      try {
        if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
          process.destroyForcibly().waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        }
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
      }
      process = null;
    }
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

  /**
   * A frontend on loopback relaying to one server, optionally reading a PROXY header from each
   * client ({@code accept-proxy}) and sending one to the server ({@code send-proxy}, {@code
   * send-proxy-v2}).
   */
  public static final class TcpRelay {
    private final String server;
    private boolean acceptProxy;
    private String sendProxy = "";

    private TcpRelay(String server) {
      this.server = server;
    }

    public TcpRelay acceptProxy() {
      this.acceptProxy = true;
      return this;
    }

    public TcpRelay sendProxy() {
      this.sendProxy = " send-proxy";
      return this;
    }

    public TcpRelay sendProxyV2() {
      this.sendProxy = " send-proxy-v2";
      return this;
    }

    String sections(int port) {
      return """
          frontend relay
              bind 127.0.0.1:%d%s
              default_backend servers

          backend servers
              server s1 %s%s
          """
          .formatted(port, acceptProxy ? " accept-proxy" : "", server, sendProxy);
    }
  }
}
