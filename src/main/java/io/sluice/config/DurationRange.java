package io.sluice.config;

import java.time.Duration;
import java.util.Objects;

/**
 * A range of durations, written {@code 10s..60s}; a single duration is a range of one value.
 *
 * @param min the shortest, zero or more
 * @param max the longest, at least {@code min}
 */
public record DurationRange(Duration min, Duration max) {
  static final String EXPECTED = "a duration range such as 10s..60s";

  public DurationRange {
    Objects.requireNonNull(min, "min");
    Objects.requireNonNull(max, "max");
    if (min.isNegative() || max.compareTo(min) < 0) {
      throw new IllegalArgumentException("expected min <= max in " + min + ".." + max);
    }
  }

  /**
   * Parses {@code <duration>..<duration>} or one duration.
   *
   * @throws IllegalArgumentException with a message fit for a config error
   */
  public static DurationRange parse(String text) {
    String trimmed = text.strip();
    int dots = trimmed.indexOf("..");
    try {
      if (dots < 0) {
        Duration only = DurationFormat.parse(trimmed);
        return new DurationRange(only, only);
      }
      Duration min = DurationFormat.parse(trimmed.substring(0, dots));
      Duration max = DurationFormat.parse(trimmed.substring(dots + 2));
      if (max.compareTo(min) < 0) {
        throw new IllegalArgumentException(
            "expected " + EXPECTED + " with the shorter first, got '" + text + "'");
      }
      return new DurationRange(min, max);
    } catch (IllegalArgumentException e) {
      if (e.getMessage().contains("shorter first")) {
        throw e;
      }
      throw new IllegalArgumentException("expected " + EXPECTED + ", got '" + text + "'", e);
    }
  }
}
