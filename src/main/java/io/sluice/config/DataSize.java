package io.sluice.config;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An amount of bytes, written with a unit: {@code 512B}, {@code 16KiB}, {@code 1MiB}, {@code 2GiB}
 * (powers of 1024) or {@code 64KB}, {@code 10MB} (powers of 1000, as disks and links are sold), or
 * a bare {@code 0}.
 *
 * @param bytes zero or more
 */
public record DataSize(long bytes) {
  static final String EXPECTED = "a size such as 16KiB or 1MiB";

  private static final Pattern SYNTAX = Pattern.compile("(\\d+)(B|kB|KB|MB|GB|TB|KiB|MiB|GiB|TiB)");

  public DataSize {
    if (bytes < 0) {
      throw new IllegalArgumentException("a size cannot be negative: " + bytes);
    }
  }

  /**
   * Parses a whole number followed by {@code B}, {@code KB}, {@code MB}, {@code GB}, {@code TB},
   * {@code KiB}, {@code MiB}, {@code GiB} or {@code TiB}.
   *
   * @throws IllegalArgumentException with a message fit for a config error
   */
  public static DataSize parse(String text) {
    String trimmed = text.strip();
    if (trimmed.equals("0")) {
      return new DataSize(0);
    }
    Matcher matcher = SYNTAX.matcher(trimmed);
    if (!matcher.matches()) {
      throw invalid(text);
    }
    try {
      return new DataSize(
          Math.multiplyExact(Long.parseLong(matcher.group(1)), multiplier(matcher.group(2))));
    } catch (NumberFormatException | ArithmeticException e) {
      throw invalid(text);
    }
  }

  private static long multiplier(String unit) {
    return switch (unit) {
      case "B" -> 1L;
      case "kB", "KB" -> 1000L;
      case "MB" -> 1000L * 1000;
      case "GB" -> 1000L * 1000 * 1000;
      case "TB" -> 1000L * 1000 * 1000 * 1000;
      case "KiB" -> 1L << 10;
      case "MiB" -> 1L << 20;
      case "GiB" -> 1L << 30;
      case "TiB" -> 1L << 40;
      default -> throw new IllegalStateException("the pattern admits no other unit: " + unit);
    };
  }

  private static IllegalArgumentException invalid(String text) {
    return new IllegalArgumentException("expected " + EXPECTED + ", got '" + text + "'");
  }
}
