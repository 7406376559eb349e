package io.sluice.cli;

import io.sluice.config.ConfigError;
import io.sluice.config.ConfigLoader;
import io.sluice.config.ConfigResult;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The {@code -c FILE} option of the commands that read a configuration, and its loading. */
final class ConfigFile {
  @Option(
      names = {"-c", "--config"},
      required = true,
      description = "The configuration file (YAML).")
  Path path;

  /** Loads the file, printing every error on stderr; returns the result either way. */
  ConfigResult load() {
    ConfigResult result = ConfigLoader.load(path);
    for (ConfigError error : result.errors()) {
      System.err.println(error);
    }
    return result;
  }
}
