package io.sluice.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code sluice} command line. */
@Command(
    name = "sluice",
    mixinStandardHelpOptions = true,
    versionProvider = VersionCommand.class,
    description = "A load balancer and edge proxy for connection storms.",
    subcommands = {
      RunCommand.class,
      ValidateCommand.class,
      DemoCommand.class,
      VersionCommand.class
    })
public final class Main implements Runnable {
  /** Exit status for a configuration that failed validation. */
  static final int EXIT_BAD_CONFIG = 2;

  /** Exit status for a configuration that is valid but could not start (a bind failed). */
  static final int EXIT_START_FAILED = 3;

  public static void main(String[] args) {
    int status = new CommandLine(new Main()).execute(args);
    if (status != 0) {
      System.exit(status);
    }
  }

  @Override
  public void run() {
    new CommandLine(this).usage(System.out);
  }
}
