package io.sluice.testing;

import static org.assertj.core.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Sluice as a separate process, started from the built jar as a user would, with its stdout and
 * stderr captured to files. Killed on close if still running.
 */
public final class SluiceProcess implements AutoCloseable {
  private final Process process;
  private final Path stdout;
  private final Path stderr;

  private SluiceProcess(Process process, Path stdout, Path stderr) {
    this.process = process;
    this.stdout = stdout;
    this.stderr = stderr;
  }

  /** Starts {@code java -jar sluice.jar args...}, capturing output under {@code dir}. */
  public static SluiceProcess start(Path dir, String... args) throws IOException {
    return start(dir, Map.of(), args);
  }

  /** As {@link #start(Path, String...)}, with {@code environment} added to the process's. */
  public static SluiceProcess start(Path dir, Map<String, String> environment, String... args)
      throws IOException {
    return start(dir, environment, List.of(), args);
  }

  /**
   * As {@link #start(Path, Map, String...)}, with JVM options ({@code -XX:MaxDirectMemorySize=48m})
   * before the jar.
   */
  public static SluiceProcess start(
      Path dir, Map<String, String> environment, List<String> jvmOptions, String... args)
      throws IOException {
    String jar = System.getenv().getOrDefault("SLUICE_JAR", "target/sluice.jar");
    if (!new File(jar).isFile()) {
      fail("the Sluice jar is missing at " + jar + " (run mvn package first)");
    }
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx256m");
    command.addAll(jvmOptions);
    command.add("-jar");
    command.add(jar);
    command.addAll(List.of(args));
    Path stdout = Files.createTempFile(dir, "sluice", ".out");
    Path stderr = Files.createTempFile(dir, "sluice", ".err");
    ProcessBuilder builder =
        new ProcessBuilder(command).redirectOutput(stdout.toFile()).redirectError(stderr.toFile());
    builder.environment().putAll(environment);
    Process process = builder.start();
    return new SluiceProcess(process, stdout, stderr);
  }

  public String stdout() throws IOException {
    return Files.readString(stdout, StandardCharsets.UTF_8);
  }

  public String stderr() throws IOException {
    return Files.readString(stderr, StandardCharsets.UTF_8);
  }

  /** Waits until stdout or stderr matches {@code regex}; returns the match's first group. */
  public String awaitOutput(String regex, Duration timeout) throws Exception {
    Pattern pattern = Pattern.compile(regex);
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      for (String text : new String[] {stdout(), stderr()}) {
        Matcher matcher = pattern.matcher(text);
        if (matcher.find()) {
          return matcher.groupCount() > 0 ? matcher.group(1) : matcher.group();
        }
      }
      if (!process.isAlive()) {
        break;
      }
      Thread.sleep(20);
    }
    return fail(
        "no output matching /"
            + regex
            + "/ within "
            + timeout
            + (process.isAlive() ? "" : " (exited with " + process.exitValue() + ")")
            + "\nstdout:\n"
            + stdout()
            + "\nstderr:\n"
            + stderr());
  }

  /** Sends SIGTERM, as an orchestrator stopping the service would. */
  public void terminate() {
    process.destroy();
  }

  /** Sends a signal by name ({@code USR1}, {@code HUP}) with kill(1). */
  public void signal(String name) throws Exception {
    Process kill =
        new ProcessBuilder("kill", "-" + name, Long.toString(process.pid()))
            .redirectErrorStream(true)
            .start();
    if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
      fail("kill -" + name + " failed: " + new String(kill.getInputStream().readAllBytes()));
    }
  }

  /** The process id, for tests that talk to it as a service manager would. */
  public long pid() {
    return process.pid();
  }

  /** Sends SIGHUP, as an operator asking for a reload would. */
  public void hangUp() throws Exception {
    Process kill =
        new ProcessBuilder("kill", "-HUP", Long.toString(process.pid())).inheritIO().start();
    if (!kill.waitFor(5, TimeUnit.SECONDS) || kill.exitValue() != 0) {
      fail("kill -HUP " + process.pid() + " failed");
    }
  }

  /** Waits for the process to exit and returns its status. */
  public int awaitExit(Duration timeout) throws Exception {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      fail("Sluice did not exit within " + timeout + "\nstderr:\n" + stderr());
    }
    return process.exitValue();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroyForcibly();
    }
  }
}
