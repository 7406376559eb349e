package io.sluice.config;

import java.time.Duration;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A number of events per period, written {@code 100/s}, {@code 10/m} or {@code 5/h}.
 *
 * @param count events allowed in each period, zero or more
 * @param per the period, longer than zero
 */
public record Rate(long count, Duration per) {
  static final String EXPECTED = "a rate such as 100/s or 10/m";

  private static final Pattern SYNTAX = Pattern.compile("(\\d+)/(s|m|h)");

  public Rate {
    Objects.requireNonNull(per, "per");
    if (count < 0 || per.isNegative() || per.isZero()) {
      throw new IllegalArgumentException(
          "a rate needs count >= 0 and per > 0: " + count + "/" + per);
    }
  }

  /**
   * Parses {@code <count>/s}, {@code <count>/m} or {@code <count>/h}.
   *
   * @throws IllegalArgumentException with a message fit for a config error
   */
  public static Rate parse(String text) {
    Matcher matcher = SYNTAX.matcher(text.strip());
    if (!matcher.matches()) {
      throw invalid(text);
    }
    long count;
    try {
      count = Long.parseLong(matcher.group(1));
    } catch (NumberFormatException e) {
      throw invalid(text);
    }
    Duration per =
        switch (matcher.group(2)) {
          case "s" -> Duration.ofSeconds(1);
          case "m" -> Duration.ofMinutes(1);
          case "h" -> Duration.ofHours(1);
          default -> throw new IllegalStateException("the pattern admits no other unit");
        };
    return new Rate(count, per);
  }

  /** The same rate over one second; fractional for slow rates such as {@code 10/m}. */
  public double perSecond() {
    return count / (per.toNanos() / 1e9);
  }

  private static IllegalArgumentException invalid(String text) {
    return new IllegalArgumentException("expected " + EXPECTED + ", got '" + text + "'");
  }
}
