package io.sluice.testing;

import static org.awaitility.Awaitility.await;

import java.io.File;
import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.awaitility.core.ConditionTimeoutException;
import org.awaitility.core.TerminalFailureException;

/**
 * One external program run for a test: a temp directory of its own, its output (stdout and stderr)
 * in a file there, started and awaited until its TCP ports listen, then stopped (SIGTERM, SIGKILL
 * if it lingers) and its directory removed. The peers of the HTTP tests (nginx, stdiscosrv) are
 * built on it.
 *
 * <p>Threads: the test thread only.
 */
final class PeerProcess implements AutoCloseable {
  /** Peers start in well under a second; ten leave room for a loaded two-core CI machine. */
  static final Duration START_TIMEOUT = Duration.ofSeconds(10);

  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(5);

  /** The state column of /proc/net/tcp for a listening socket. */
  private static final String TCP_LISTEN = "0A";

  private final String name;
  private final Path dir;
  private final Path output;
  private Process process;

  private PeerProcess(String name, Path dir) {
    this.name = name;
    this.dir = dir;
    this.output = dir.resolve(name + ".out");
  }

  /** A fresh temp directory for a peer called {@code name}; nothing runs yet. */
  static PeerProcess prepare(String name) throws IOException {
    return new PeerProcess(name, Files.createTempDirectory("sluice-" + name));
  }

  Path dir() {
    return dir;
  }

  /** Runs {@code command} in the peer's directory and waits until each of {@code ports} listens. */
  void start(List<String> command, int... ports) throws IOException {
    if (process != null) {
      throw new IllegalStateException(name + " already runs");
    }
    process =
        new ProcessBuilder(command)
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(output.toFile())
            .redirectInput(Redirect.from(new File("/dev/null")))
            .start();
    try {
      await(name + " listening on " + Arrays.toString(ports))
          .atMost(START_TIMEOUT)
          .pollInterval(Duration.ofMillis(20))
          .failFast(name + " exited", () -> !process.isAlive())
          .until(() -> Arrays.stream(ports).allMatch(port -> listening(process.pid(), port)));
    } catch (ConditionTimeoutException | TerminalFailureException e) {
      throw new IOException(e.getMessage() + "; its output:\n" + output(), e);
    }
  }

  boolean isAlive() {
    return process != null && process.isAlive();
  }

  /**
   * Kills the program with SIGKILL, as a crash or the kernel's OOM killer would: no shutdown, its
   * sockets closed by the kernel. Its directory stays until {@link #close}.
   */
  void kill() throws InterruptedException {
    if (process != null) {
      process.destroyForcibly().waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  /** What the program has printed so far. */
  String output() throws IOException {
    return Files.exists(output) ? Files.readString(output) : "";
  }

  /**
   * Whether a socket listens on {@code port} in the network namespace of process {@code pid}, read
   * from the kernel's socket tables rather than probed, so that no probe connection shows up in the
   * peer's logs or counts, and a peer started in a namespace of its own ({@code ip netns exec}) is
   * seen too.
   */
  static boolean listening(long pid, int port) {
    String localPort = String.format(Locale.ROOT, ":%04X", port);
    for (String table : List.of("/proc/" + pid + "/net/tcp", "/proc/" + pid + "/net/tcp6")) {
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

  /** Stops the program (SIGTERM, then SIGKILL if it lingers); its directory stays. */
  void stop() {
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
  }

  /** Stops the program and removes its directory. */
  @Override
  public void close() throws IOException {
    stop();
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(file);
      }
    }
  }
}
