package io.sluice.testing;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code redis-server} on a free loopback port, without persistence ({@code --save ""
 * --appendonly no}), its working directory a temporary one. {@link #kill()} and {@link #restart()}
 * stop and start it on the same port, for tests of a fleet losing its Redis. Closed after the test.
 */
public final class RedisPeer implements AutoCloseable {
  private final String program;
  private final Path dir;
  private final int port;
  private Process process;

  private RedisPeer(String program, Path dir, int port) {
    this.program = program;
    this.dir = dir;
    this.port = port;
  }

  /** Starts redis-server and waits until it answers PING (at most ten seconds). */
  public static RedisPeer start() throws IOException {
    String program = Peers.require("redis-server");
    Path dir = Files.createTempDirectory("sluice-redis");
    RedisPeer redis = new RedisPeer(program, dir, Sockets.freePort());
    redis.restart();
    return redis;
  }

  /** {@code 127.0.0.1:port}. */
  public String address() {
    return "127.0.0.1:" + port;
  }

  public int port() {
    return port;
  }

  /** Kills the server at once (SIGKILL), as a crash would. */
  public void kill() {
    if (process != null) {
      try {
        signal("-CONT");
      } catch (IOException e) {
        // Killed all the same below.
      }
      process.destroyForcibly();
      try {
        process.waitFor(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      process = null;
    }
  }

  /**
   * Stops the server without closing its sockets (SIGSTOP), as a hung Redis would be: connects
   * still succeed in the kernel, commands get no answer.
   */
  public void pause() throws IOException {
    signal("-STOP");
  }

  /** Lets a paused server go on (SIGCONT). */
  public void resume() throws IOException {
    signal("-CONT");
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

  /** Starts the server (again) on the same port, empty, and waits until it answers. */
  public void restart() throws IOException {
    kill();
    process =
        new ProcessBuilder(
                program,
                "--port",
                Integer.toString(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                dir.toString(),
                "--daemonize",
                "no")
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("redis.log").toFile())
            .start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        fail("redis-server exited: " + Files.readString(dir.resolve("redis.log")));
      }
      if ("+PONG".equals(command("PING"))) {
        return;
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
    kill();
    fail("redis-server did not answer within 10 s on port " + port);
  }

  /**
   * Sends one inline command and returns the first line of the answer, or {@code null} when the
   * server does not answer within a second.
   */
  public String command(String inline) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 1000);
      socket.setSoTimeout(1000);
      OutputStream out = socket.getOutputStream();
      out.write((inline + "\r\n").getBytes(StandardCharsets.UTF_8));
      out.flush();
      InputStream in = socket.getInputStream();
      StringBuilder line = new StringBuilder();
      int c;
      while ((c = in.read()) >= 0 && c != '\n' && line.length() < 4096) {
        if (c != '\r') {
          line.append((char) c);
        }
      }
      return line.toString();
    } catch (IOException e) {
      return null;
    }
  }

  @Override
  public void close() throws IOException {
    kill();
    try (var files = Files.list(dir)) {
      for (Path file : files.toList()) {
        Files.deleteIfExists(file);
      }
    }
    Files.deleteIfExists(dir);
  }
}
