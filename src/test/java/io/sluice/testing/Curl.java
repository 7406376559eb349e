package io.sluice.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the real {@code curl} and returns what it printed; bounded in time. */
public final class Curl {
  private Curl() {}

  /** The result of one curl run: exit code and standard output (headers with -i). */
  public record Result(int exit, String out, String err) {}

  public static Result run(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(Peers.require("curl"));
    command.add("-sS");
    command.add("--max-time");
    command.add("15");
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).start();
    byte[] out = process.getInputStream().readAllBytes();
    byte[] err = process.getErrorStream().readAllBytes();
    if (!process.waitFor(20, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new IOException("curl did not finish: " + command);
    }
    return new Result(
        process.exitValue(),
        new String(out, StandardCharsets.UTF_8),
        new String(err, StandardCharsets.UTF_8));
  }
}
