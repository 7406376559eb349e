package io.sluice.config;

import java.util.List;

/**
 * What loading a configuration produced: a validated config, or every error found in it.
 *
 * @param config the configuration, or {@code null} when there are errors
 * @param errors every error found, in file order; empty when {@code config} is set
 */
public record ConfigResult(Config config, List<ConfigError> errors) {

  public ConfigResult {
    errors = List.copyOf(errors);
    if ((config == null) == errors.isEmpty()) {
      throw new IllegalArgumentException("a result holds a config or errors, exactly one of them");
    }
  }

  static ConfigResult of(Config config) {
    return new ConfigResult(config, List.of());
  }

  static ConfigResult failed(List<ConfigError> errors) {
    return new ConfigResult(null, errors);
  }

  public boolean ok() {
    return errors.isEmpty();
  }
}
