package io.sluice.config;

/**
 * A parsed socket address from the configuration: an inet host and port, a unix-domain path, or a
 * Linux abstract-namespace name. Parsing never touches the network: host names stay names.
 *
 * @param kind which of the three
 * @param host the host or IP literal (without brackets) for {@link Kind#INET}; empty means every
 *     address
 * @param port the port for {@link Kind#INET}
 * @param path the file path for {@link Kind#UNIX}, the name (without the leading '@') for {@link
 *     Kind#ABSTRACT}
 */
public record Endpoint(Kind kind, String host, int port, String path) {

  /** The three kinds of address Sluice can bind or connect to. */
  public enum Kind {
    INET,
    UNIX,
    ABSTRACT
  }

  private static final String UNIX_PREFIX = "unix:";

  /**
   * Parses {@code host:port}, {@code [v6]:port}, {@code :port}, {@code unix:/path} or {@code
   * unix:@name}.
   *
   * @throws IllegalArgumentException with a message fit for a config error
   */
  public static Endpoint parse(String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("an address is required");
    }
    if (text.startsWith(UNIX_PREFIX)) {
      String rest = text.substring(UNIX_PREFIX.length());
      if (rest.startsWith("@") && rest.length() > 1) {
        return new Endpoint(Kind.ABSTRACT, "", 0, rest.substring(1));
      }
      if (rest.startsWith("/") && rest.length() > 1) {
        return new Endpoint(Kind.UNIX, "", 0, rest);
      }
      throw new IllegalArgumentException(
          "'" + text + "' is not a unix address (expected: unix:/path or unix:@abstract-name)");
    }
    int colon = text.lastIndexOf(':');
    if (colon < 0) {
      throw new IllegalArgumentException(
          "'" + text + "' has no port (expected: host:port, [ipv6]:port or :port)");
    }
    String host = text.substring(0, colon);
    if (host.startsWith("[")) {
      if (!host.endsWith("]") || host.length() < 3) {
        throw new IllegalArgumentException(
            "'" + text + "' has an unclosed IPv6 bracket (expected: [ipv6]:port)");
      }
      host = host.substring(1, host.length() - 1);
    } else if (host.indexOf(':') >= 0) {
      throw new IllegalArgumentException(
          "'" + text + "' is an IPv6 address without brackets (expected: [ipv6]:port)");
    }
    return new Endpoint(Kind.INET, host, parsePort(text, text.substring(colon + 1)), "");
  }

  private static int parsePort(String text, String port) {
    int value;
    try {
      value = Integer.parseInt(port);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("'" + text + "' has no valid port number");
    }
    if (value < 0 || value > 65_535) {
      throw new IllegalArgumentException(
          "'" + text + "' has port " + value + " (expected: 0 to 65535)");
    }
    return value;
  }

  @Override
  public String toString() {
    return switch (kind) {
      case INET -> (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
      case UNIX -> UNIX_PREFIX + path;
      case ABSTRACT -> UNIX_PREFIX + "@" + path;
    };
  }
}
