package io.sluice.cli;

import io.sluice.config.AccessLogConfig;
import io.sluice.config.Balance;
import io.sluice.config.Config;
import io.sluice.config.ListenerConfig;
import io.sluice.config.PoolConfig;
import io.sluice.config.Protocol;
import io.sluice.config.ServerConfig;
import java.util.ArrayList;
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

  @Override
  public Integer call() throws InterruptedException {
    try (DemoBackends backends = DemoBackends.start(3)) {
      Config config = demoConfig(port, backends.addresses());
      return RunCommand.serve(
          config,
          runtime ->
              printWhatToTry(runtime.boundAddressTexts("demo").get(0), backends.addresses()));
    }
  }

  static Config demoConfig(int port, List<String> backendAddresses) {
    List<ServerConfig> servers = new ArrayList<>();
    for (String address : backendAddresses) {
      servers.add(new ServerConfig(address, null, null, null, null));
    }
    ListenerConfig listener =
        new ListenerConfig(
            "demo",
            List.of("127.0.0.1:" + port),
            Protocol.TCP,
            "demo-backends",
            null,
            null,
            null,
            null,
            null);
    PoolConfig pool = new PoolConfig("demo-backends", Balance.ROUND_ROBIN, servers, null);
    return new Config(List.of(listener), List.of(pool), null, new AccessLogConfig("stdout", null));
  }

  private static void printWhatToTry(String listener, List<String> backends) {
    System.out.println();
    System.out.println("Sluice demo: listener 'demo' on " + listener);
    System.out.println("  balancing round-robin over " + String.join(", ", backends));
    System.out.println();
    System.out.println(
        "Try (each request is a new connection, so each lands on the next backend):");
    System.out.println("  for i in 1 2 3 4; do curl -s http://" + listener + "/; done");
    System.out.println();
    System.out.println("One access-log line per connection follows. Ctrl-C drains and stops.");
    System.out.flush();
  }
}
