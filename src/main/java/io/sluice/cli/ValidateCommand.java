package io.sluice.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code sluice validate -c FILE}: every error at once, each with file:line:column and key. */
@Command(name = "validate", description = "Check a configuration file and print every error.")
public final class ValidateCommand implements Callable<Integer> {
  @Mixin ConfigFile config;

  @Override
  public Integer call() {
    if (!config.load().ok()) {
      return Main.EXIT_BAD_CONFIG;
    }
    System.out.println(config.path + ": valid");
    return 0;
  }
}
