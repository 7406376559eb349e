package io.sluice.testing;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code openssl s_client} against a loopback address: sends the given bytes, keeps reading until
 * the server closes ({@code -ign_eof}), and returns everything it printed. Bounded: a client still
 * running after ten seconds is killed and fails the test.
 */
public final class OpensslClient {
  private static final Pattern SUBJECT = Pattern.compile("(?m)^subject=(.*)$");
  private static final Pattern PROTOCOL = Pattern.compile("(?m)^\\s*Protocol\\s*:\\s*(\\S+)");

  private OpensslClient() {}

  /** What one run printed, and how it ended. */
  public record Result(int exitCode, String output) {
    /** The subject of the certificate the server sent, as openssl prints it. */
    public String servedSubject() {
      Matcher matcher = SUBJECT.matcher(output);
      return matcher.find() ? matcher.group(1).trim() : null;
    }

    /** {@code TLSv1.2} or {@code TLSv1.3}. */
    public String protocol() {
      Matcher matcher = PROTOCOL.matcher(output);
      return matcher.find() ? matcher.group(1) : null;
    }

    public boolean reused() {
      return output.contains("\nReused, ");
    }

    public boolean verified() {
      return output.contains("Verify return code: 0 (ok)");
    }
  }

  /** Connects to {@code address} with {@code args}, sends {@code input}, reads until closed. */
  public static Result run(InetSocketAddress address, byte[] input, String... args) {
    String openssl = Peers.require("openssl");
    List<String> command = new ArrayList<>();
    command.addAll(
        List.of(
            openssl,
            "s_client",
            "-connect",
            address.getHostString() + ":" + address.getPort(),
            "-ign_eof"));
    command.addAll(List.of(args));
    try {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      try {
        process.getOutputStream().write(input);
        process.getOutputStream().close();
      } catch (IOException closedEarly) {
        // A refused handshake ends the client before it reads its input; the output says why.
      }
      byte[] output = readWithin(process, 10);
      return new Result(process.exitValue(), new String(output, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Reads a process's output until it exits, or kills it and fails after {@code seconds}. */
  static byte[] readWithin(Process process, int seconds) throws IOException {
    try {
      if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        fail("still running after " + seconds + " s: " + process.info().commandLine().orElse(""));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
      throw new IllegalStateException(e);
    }
    return process.getInputStream().readAllBytes();
  }
}
