package io.sluice.observe;

/**
 * What the access log queues: one finished connection ({@link ConnectionRecord}) or, later, one
 * HTTP exchange. Each kind names the fields it has, so that the {@code json} and {@code custom}
 * formats work for every kind without knowing it, while a kind's native format ({@code tcplog},
 * {@code httplog}) is chosen by {@link LineFormat}.
 */
public interface LogRecord {
  /**
   * Appends the value of {@code field} as plain text, or {@code -} when this kind of record has no
   * such field. Called on the log writer's thread only.
   */
  void appendField(LogField field, StringBuilder line);

  /** Whether this kind of record has {@code field}; JSON lines leave out the ones it lacks. */
  default boolean has(LogField field) {
    return true;
  }

  /** Whether {@code field}'s value is a number (written bare in JSON) rather than text. */
  default boolean isNumeric(LogField field) {
    return field.numeric();
  }
}
