package io.sluice.cli;

import io.sluice.config.ConfigError;
import io.sluice.config.ConfigLoader;
import io.sluice.config.ConfigResult;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code sluice validate -c FILE}: every error at once, each with file:line:column and key. */
@Command(name = "validate", description = "Check a configuration file and print every error.")
public final class ValidateCommand implements Callable<Integer> {
  @Option(
      names = {"-c", "--config"},
      required = true,
      description = "The configuration file (YAML).")
  Path config;

  @Override
  public Integer call() {
    ConfigResult result = ConfigLoader.load(config);
    if (!printErrors(result)) {
      return Main.EXIT_BAD_CONFIG;
    }
    System.out.println(config + ": valid");
    return 0;
  }

  /** Prints the errors of {@code result} on stderr; returns whether there were none. */
  static boolean printErrors(ConfigResult result) {
    for (ConfigError error : result.errors()) {
      System.err.println(error);
    }
    return result.ok();
  }
}
