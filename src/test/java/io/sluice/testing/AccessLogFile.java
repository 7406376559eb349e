package io.sluice.testing;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An access log written as JSON lines to a file, read back by tests: the termination state of each
 * request (HTTP listeners) or connection (TCP listeners). The writer is a thread of its own, so
 * reads wait for the lines to appear.
 */
public final class AccessLogFile {
  private static final Pattern REQUEST = Pattern.compile("\"request\":\"[A-Z]+ (\\S+) ");
  private static final Pattern TERM = Pattern.compile("\"term\":\"(..)\"");
  private static final Pattern SERVER = Pattern.compile("\"server\":\"([^\"]*)\"");
  private static final Duration WAIT = Duration.ofSeconds(10);

  private final Path path;

  public AccessLogFile(Path path) {
    this.path = path;
  }

  /** The {@code access_log} block that writes here. */
  public String yaml() {
    return "{path: \"" + path + "\", format: json}";
  }

  public List<String> lines() throws IOException {
    return Files.exists(path) ? Files.readAllLines(path) : List.of();
  }

  /** The states of the lines so far, by request target (HTTP) in order; later lines win. */
  public Map<String, String> states() throws IOException {
    Map<String, String> states = new LinkedHashMap<>();
    for (String line : lines()) {
      Matcher request = REQUEST.matcher(line);
      Matcher term = TERM.matcher(line);
      if (request.find() && term.find()) {
        states.put(request.group(1), term.group(1));
      }
    }
    return states;
  }

  /** Every line's state, in order (TCP lines have no request). */
  public List<String> allStates() throws IOException {
    List<String> states = new ArrayList<>();
    for (String line : lines()) {
      Matcher term = TERM.matcher(line);
      if (term.find()) {
        states.add(term.group(1));
      }
    }
    return states;
  }

  /** Every line's {@code server} and state, as {@code "server state"}. */
  public List<String> serversAndStates() throws IOException {
    List<String> pairs = new ArrayList<>();
    for (String line : lines()) {
      Matcher server = SERVER.matcher(line);
      Matcher term = TERM.matcher(line);
      if (server.find() && term.find()) {
        pairs.add(server.group(1) + " " + term.group(1));
      }
    }
    return pairs;
  }

  /** Waits until a line for {@code target} is written and returns its state. */
  public String awaitState(String target) {
    return await("a log line for " + target)
        .atMost(WAIT)
        .until(() -> states().get(target), state -> state != null);
  }

  /** Waits until the writer has caught up (two reads a moment apart agree) and returns states. */
  public Map<String, String> awaitStates() throws Exception {
    Map<String, String> before = states();
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (System.nanoTime() < deadline) {
      Thread.sleep(200);
      Map<String, String> now = states();
      if (now.equals(before) && !now.isEmpty()) {
        return now;
      }
      before = now;
    }
    return before;
  }

  /** Waits until at least {@code count} lines are written and returns every state. */
  public List<String> awaitLines(int count) {
    return await(count + " log lines")
        .atMost(WAIT)
        .until(this::allStates, states -> states.size() >= count);
  }
}
