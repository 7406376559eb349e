package io.sluice.cli;

import io.sluice.config.Config;
import io.sluice.config.ConfigLoader;
import io.sluice.config.ConfigResult;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code sluice demo}: three built-in HTTP backends and a TCP listener balancing over them, with no
 * file to write. Prints what to try.
 */
@Command(name = "demo", description = "Run Sluice in front of three built-in demo backends.")
public final class DemoCommand implements Callable<Integer> {
  @Option(
      names = {"-p", "--port"},
      defaultValue = "8080",
      description = "The port the demo listener binds on 127.0.0.1 (default: ${DEFAULT-VALUE}).")
  int port;

  @Option(
      names = "--admin-port",
      defaultValue = "9900",
      description = "The admin API's port on 127.0.0.1 (default: ${DEFAULT-VALUE}).")
  int adminPort;

  @Override
  public Integer call() throws InterruptedException {
    try (DemoBackends backends = DemoBackends.start(3)) {
      Config config = demoConfig(port, adminPort, backends.addresses());
      return RunCommand.serve(
          config,
          runtime ->
              printWhatToTry(
                  runtime.boundAddressTexts("demo").get(0),
                  "127.0.0.1:" + runtime.adminAddress().getPort(),
                  backends.addresses()));
    }
  }

  /**
   * The demo's configuration, written as a user would write it, so the demo also shows the file
   * format.
   */
  static Config demoConfig(int port, int adminPort, List<String> backendAddresses) {
    StringBuilder yaml =
        new StringBuilder(
            """
            access_log: {path: stdout}
            admin: {bind: "127.0.0.1:%d"}
            listeners:
              - name: demo
                bind: ["127.0.0.1:%d"]
                protocol: tcp
                pool: demo-backends
            pools:
              - name: demo-backends
                balance: round_robin
                servers:
            """
                .formatted(adminPort, port));
    for (String address : backendAddresses) {
      yaml.append("      - {address: \"").append(address).append("\"}\n");
    }
    ConfigResult result = ConfigLoader.parse(yaml.toString(), "demo");
    if (!result.ok()) {
      throw new IllegalStateException("the demo configuration is invalid: " + result.errors());
    }
    return result.config();
  }

  private static void printWhatToTry(String listener, String admin, List<String> backends) {
    System.out.println();
    System.out.println("Sluice demo: listener 'demo' on " + listener);
    System.out.println("  balancing round-robin over " + String.join(", ", backends));
    System.out.println();
    System.out.println(
        "Try (each request is a new connection, so each lands on the next backend):");
    System.out.println("  for i in 1 2 3 4; do curl -s http://" + listener + "/; done");
    System.out.println();
    System.out.println("The dashboard: http://" + admin + "/");
    System.out.println("How close every server is to its limits, and the metrics:");
    System.out.println("  curl -s http://" + admin + "/api/view");
    System.out.println("  curl -s http://" + admin + "/metrics");
    System.out.println("Take a backend out of rotation without ending a connection:");
    System.out.println(
        "  curl -s -X POST 'http://"
            + admin
            + "/api/pools/demo-backends/servers/"
            + backends.get(0)
            + "?state=drain'");
    System.out.println();
    System.out.println("One access-log line per connection follows. Ctrl-C drains and stops.");
    System.out.flush();
  }
}
