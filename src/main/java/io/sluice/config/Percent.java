package io.sluice.config;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A share written {@code 20%} (or {@code 12.5%}), from 0 to 100.
 *
 * @param value the percentage, 0 to 100
 */
public record Percent(double value) {
  static final String EXPECTED = "a percentage such as 20%";

  private static final Pattern SYNTAX = Pattern.compile("(\\d+(?:\\.\\d+)?)%");

  public Percent {
    if (value < 0 || value > 100 || Double.isNaN(value)) {
      throw new IllegalArgumentException("expected 0% to 100%, got " + value + "%");
    }
  }

  /**
   * Parses {@code <number>%}.
   *
   * @throws IllegalArgumentException with a message fit for a config error
   */
  public static Percent parse(String text) {
    Matcher matcher = SYNTAX.matcher(text.strip());
    if (!matcher.matches()) {
      throw new IllegalArgumentException("expected " + EXPECTED + ", got '" + text + "'");
    }
    return new Percent(Double.parseDouble(matcher.group(1)));
  }

  /** The share as a fraction, 0 to 1. */
  public double fraction() {
    return value / 100;
  }
}
