package io.sluice.testing;

import java.io.File;
import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs nghttp2's load generator {@code h2load} (HTTP/2 with prior knowledge on {@code http://}
 * URIs, HTTP/1.1 with {@code --h1}) and reads its summary; bounded in time.
 */
public final class H2load {
  private static final Pattern REQUESTS =
      Pattern.compile(
          "requests: (\\d+) total, (\\d+) started, (\\d+) done, (\\d+) succeeded, (\\d+) failed,"
              + " (\\d+) errored, (\\d+) timeout");
  private static final Pattern STATUS =
      Pattern.compile("status codes: (\\d+) 2xx, (\\d+) 3xx, (\\d+) 4xx, (\\d+) 5xx");

  private H2load() {}

  /**
   * What h2load reported: its exit code, its output, and the counts of its summary (-1: absent).
   */
  public record Result(int exit, String out, long succeeded, long failed, long status2xx) {
    /** The summary's status line, e.g. {@code status codes: 2000 2xx, 0 3xx, 0 4xx, 0 5xx}. */
    public String statusCodes() {
      Matcher status = STATUS.matcher(out);
      return status.find() ? status.group() : "";
    }
  }

  public static Result run(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(Peers.require("h2load"));
    // Give up on a stalled connection instead of waiting for the test's own timeout.
    command.add("--connection-inactivity-timeout=10");
    command.addAll(List.of(args));
    int exit;
    Path output = Files.createTempFile("sluice-h2load", ".out");
    String text;
    try {
      Process process =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(output.toFile())
              .redirectInput(Redirect.from(new File("/dev/null")))
              .start();
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IOException(
            "h2load did not finish: " + command + "\n" + Files.readString(output));
      }
      exit = process.exitValue();
      text = Files.readString(output, StandardCharsets.UTF_8);
    } finally {
      Files.deleteIfExists(output);
    }
    Matcher requests = REQUESTS.matcher(text);
    Matcher status = STATUS.matcher(text);
    boolean summary = requests.find();
    return new Result(
        exit,
        text,
        summary ? Long.parseLong(requests.group(4)) : -1,
        summary ? Long.parseLong(requests.group(5)) + Long.parseLong(requests.group(6)) : -1,
        status.find() ? Long.parseLong(status.group(1)) : -1);
  }
}
