package io.sluice.observe;

/**
 * How one {@link LogRecord} becomes one line (without its newline). Runs on the log writer's thread
 * only, appending to a builder it reuses, so a format allocates nothing per line beyond what the
 * record's own text needs.
 *
 * <p>The native formats dispatch on the record's kind: {@link #tcpLog()} writes a {@link
 * ConnectionRecord} in HAProxy's {@code tcplog} order and an {@link HttpRecord} in its {@code
 * httplog} order, each listener's lines in its own native layout.
 */
public interface LineFormat {
  void append(StringBuilder line, LogRecord record);

  /**
   * HAProxy's native layouts: {@code tcplog} for connections, byte for byte as {@link
   * AccessLogFormat#tcpLog}, and {@code httplog} for HTTP requests ({@link
   * AccessLogFormat#httpLog}).
   */
  static LineFormat tcpLog() {
    return (line, record) -> {
      if (record instanceof ConnectionRecord connection) {
        AccessLogFormat.tcpLog(line, connection);
      } else if (record instanceof HttpRecord http) {
        AccessLogFormat.httpLog(line, http);
      } else {
        JsonLineFormat.INSTANCE.append(line, record);
      }
    };
  }

  /** One JSON object per line, every {@link LogField} as a key. */
  static LineFormat json() {
    return JsonLineFormat.INSTANCE;
  }

  /**
   * A template with {@code %{name}} placeholders for {@link LogField}s and {@code %%} for a percent
   * sign.
   *
   * @throws IllegalArgumentException naming the first unknown field; the configuration has checked
   *     templates before they get here
   */
  static LineFormat template(String template) {
    return TemplateLineFormat.parse(template);
  }
}
