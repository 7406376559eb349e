package io.sluice.config;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as the configuration writes them: a whole number and a unit ({@code 250us}, {@code
 * 500ms}, {@code 2s}, {@code 1m}, {@code 1h}, {@code 1d}), or a bare {@code 0}. Whole numbers only:
 * {@code 1500ms} says exactly what {@code 1.5s} would, without rounding questions.
 */
final class DurationFormat {
  static final String EXPECTED = "a duration such as 500ms or 2s";

  private static final Pattern SYNTAX = Pattern.compile("(\\d+)(us|ms|s|m|h|d)");

  private DurationFormat() {}

  /**
   * @throws IllegalArgumentException with a message fit for a config error
   */
  static Duration parse(String text) {
    String trimmed = text.strip();
    if (trimmed.equals("0")) {
      return Duration.ZERO;
    }
    Matcher matcher = SYNTAX.matcher(trimmed);
    if (!matcher.matches()) {
      throw invalid(text);
    }
    try {
      return Duration.of(Long.parseLong(matcher.group(1)), unit(matcher.group(2)));
    } catch (NumberFormatException | ArithmeticException e) {
      throw invalid(text);
    }
  }

  /** The duration as the file would write it, in the largest unit that keeps it whole. */
  static String format(Duration duration) {
    long nanos = duration.toNanos();
    if (nanos == 0) {
      return "0";
    }
    String[] symbols = {"d", "h", "m", "s", "ms", "us"};
    long[] unitNanos = {
      86_400_000_000_000L, 3_600_000_000_000L, 60_000_000_000L, 1_000_000_000L, 1_000_000L, 1_000L
    };
    for (int i = 0; i < symbols.length; i++) {
      if (nanos % unitNanos[i] == 0) {
        return nanos / unitNanos[i] + symbols[i];
      }
    }
    return duration.toString();
  }

  private static ChronoUnit unit(String symbol) {
    return switch (symbol) {
      case "us" -> ChronoUnit.MICROS;
      case "ms" -> ChronoUnit.MILLIS;
      case "s" -> ChronoUnit.SECONDS;
      case "m" -> ChronoUnit.MINUTES;
      case "h" -> ChronoUnit.HOURS;
      case "d" -> ChronoUnit.DAYS;
      default -> throw new IllegalStateException("the pattern admits no other unit: " + symbol);
    };
  }

  private static IllegalArgumentException invalid(String text) {
    return new IllegalArgumentException("expected " + EXPECTED + ", got '" + text + "'");
  }
}
